using System.Text.Json;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Tokenization;
using Splitwise.Gateway.Hosting;

namespace Splitwise.Gateway.OpenAi;

/// <summary>
/// Reads a completions or chat body into a <see cref="GenerationRequest"/>, checking every field's type and range
/// and naming the offending one. Fields that would change the result and are not supported are refused rather
/// than ignored; unknown harmless fields are ignored, as OpenAI's API does.
/// </summary>
public static class RequestReader
{
    private static readonly string[] Unsupported = ["suffix", "echo", "logit_bias", "functions", "function_call", "prediction", "audio", "modalities"];

    public static GenerationRequest Read(JsonElement body, bool chat, ModelHost host)
    {
        if (body.ValueKind != JsonValueKind.Object) throw OpenAiException.BadRequest("The request body must be a JSON object.");
        var f = new Fields(body);
        foreach (var name in Unsupported)
            if (f.Has(name) && !IsEmpty(body.GetProperty(name)))
                throw OpenAiException.BadRequest($"'{name}' is not supported by this server.", name);
        if (f.Has("response_format") && body.GetProperty("response_format") is var rf && rf.ValueKind == JsonValueKind.Object
            && rf.TryGetProperty("type", out var rft) && rft.GetString() != "text")
            throw OpenAiException.BadRequest("Only response_format {\"type\":\"text\"} is supported.", "response_format");

        string model = f.String("model") ?? host.ServedModelName;
        if (model != host.ServedModelName)
            throw new OpenAiException(404, $"The model '{model}' does not exist. This server serves '{host.ServedModelName}'.", "model", "model_not_found");

        var tokenizer = host.Tokenizer;
        var prompts = chat ? [ChatPrompt(body, host)] : CompletionPrompts(body, tokenizer);

        int n = f.Int("n", 1, 1, 16);
        if (f.Has("best_of") && f.Int("best_of", n, 1, 16) != n) throw OpenAiException.BadRequest("best_of different from n is not supported.", "best_of");
        int? maxTokens = f.IntOrNull("max_completion_tokens", 1, int.MaxValue) ?? f.IntOrNull("max_tokens", 1, int.MaxValue);
        int? logprobs = chat
            ? f.Bool("logprobs", false) ? f.Int("top_logprobs", 0, 0, 20) : (f.Has("top_logprobs") && f.Kind("top_logprobs") != JsonValueKind.Null
                ? throw OpenAiException.BadRequest("top_logprobs needs logprobs set to true.", "top_logprobs") : null)
            : f.IntOrNull("logprobs", 0, 5);
        var stop = f.Has("stop") ? Stops(body.GetProperty("stop")) : [];
        int topK = f.Int("top_k", 0, -1, 1_000_000);
        var sampling = new SamplingParams
        {
            Temperature = f.Float("temperature", 1f, 0f, 2f),
            TopP = f.Float("top_p", 1f, float.Epsilon, 1f),
            TopK = topK < 0 ? 0 : topK,
            MinP = f.Float("min_p", 0f, 0f, 1f),
            FrequencyPenalty = f.Float("frequency_penalty", 0f, -2f, 2f),
            PresencePenalty = f.Float("presence_penalty", 0f, -2f, 2f),
            RepetitionPenalty = f.Float("repetition_penalty", 1f, 0.01f, 10f),
            Seed = f.LongOrNull("seed"),
            IgnoreEos = f.Bool("ignore_eos", false),
            MinTokens = f.Int("min_tokens", 0, 0, int.MaxValue),
            MaxTokens = maxTokens ?? (chat ? int.MaxValue : 16),
            Logprobs = logprobs,
            StopTokenIds = f.Has("stop_token_ids") ? IntArray(body.GetProperty("stop_token_ids"), "stop_token_ids") : [],
        };
        if (maxTokens is { } max && sampling.MinTokens > max) throw OpenAiException.BadRequest("min_tokens must not exceed max_tokens.", "min_tokens");

        bool stream = f.Bool("stream", false);
        bool includeUsage = false;
        if (f.Has("stream_options") && f.Kind("stream_options") != JsonValueKind.Null)
        {
            if (!stream) throw OpenAiException.BadRequest("stream_options is only allowed when stream is true.", "stream_options");
            var so = body.GetProperty("stream_options");
            if (so.ValueKind != JsonValueKind.Object) throw OpenAiException.BadRequest("stream_options must be an object.", "stream_options");
            includeUsage = new Fields(so).Bool("include_usage", false);
        }
        return new GenerationRequest
        {
            IsChat = chat, Model = model, Prompts = prompts, Sampling = sampling, MaxTokensGiven = maxTokens is not null, N = n,
            Stop = stop, Stream = stream, IncludeUsage = includeUsage, Logprobs = logprobs,
            User = f.String("user"),
        };
    }

    private static bool IsEmpty(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => true,
        JsonValueKind.Object => !e.EnumerateObject().Any(),
        JsonValueKind.Array => e.GetArrayLength() == 0,
        JsonValueKind.String => e.GetString()!.Length == 0,
        JsonValueKind.False => true,
        _ => false,
    };

    private static List<int[]> CompletionPrompts(JsonElement body, Tokenizer? tokenizer)
    {
        if (!body.TryGetProperty("prompt", out var p) || p.ValueKind == JsonValueKind.Null) throw OpenAiException.BadRequest("'prompt' is required.", "prompt");
        int[] Text(string s) => tokenizer?.Encode(s, addSpecialTokens: true)
            ?? throw OpenAiException.BadRequest("This model has no tokenizer: send the prompt as token ids.", "prompt");
        var prompts = p.ValueKind switch
        {
            JsonValueKind.String => [Text(p.GetString()!)],
            JsonValueKind.Array when p.GetArrayLength() == 0 => throw OpenAiException.BadRequest("'prompt' must not be empty.", "prompt"),
            JsonValueKind.Array when p[0].ValueKind == JsonValueKind.Number => [IntArray(p, "prompt")],
            JsonValueKind.Array => p.EnumerateArray().Select(e => e.ValueKind switch
            {
                JsonValueKind.String => Text(e.GetString()!),
                JsonValueKind.Array => IntArray(e, "prompt"),
                _ => throw OpenAiException.BadRequest("'prompt' must be a string, a list of strings, or token ids.", "prompt"),
            }).ToList(),
            _ => throw OpenAiException.BadRequest("'prompt' must be a string, a list of strings, or token ids.", "prompt"),
        };
        if (prompts.Any(x => x.Length == 0)) throw OpenAiException.BadRequest("A prompt must contain at least one token.", "prompt");
        return prompts;
    }

    private static int[] ChatPrompt(JsonElement body, ModelHost host)
    {
        if (!body.TryGetProperty("messages", out var m) || m.ValueKind != JsonValueKind.Array || m.GetArrayLength() == 0)
            throw OpenAiException.BadRequest("'messages' must be a non-empty array.", "messages");
        var template = host.ChatTemplate ?? throw OpenAiException.BadRequest(
            "This model has no chat template (base models ship none). Start the server with --chat-template FILE, or use /v1/completions.", "messages");
        var tokenizer = host.Tokenizer ?? throw OpenAiException.BadRequest("This model has no tokenizer, so chat requests cannot be rendered.", "messages");
        var messages = new List<object?>();
        int i = 0;
        foreach (var message in m.EnumerateArray())
        {
            string param = $"messages[{i++}]";
            if (message.ValueKind != JsonValueKind.Object) throw OpenAiException.BadRequest($"{param} must be an object.", param);
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()!
                : throw OpenAiException.BadRequest($"{param}.role must be a string.", param + ".role");
            if (role is not ("system" or "developer" or "user" or "assistant" or "tool"))
                throw OpenAiException.BadRequest($"{param}.role '{role}' is not one of system, developer, user, assistant, tool.", param + ".role");
            var dict = (Dictionary<string, object?>)JsonValues.ToObject(message)!;
            dict["role"] = role == "developer" ? "system" : role;
            dict["content"] = Content(message, param);
            messages.Add(dict);
        }
        var tools = body.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array ? (List<object?>)JsonValues.ToObject(t)! : null;
        bool addGenerationPrompt = !body.TryGetProperty("add_generation_prompt", out var agp) || agp.ValueKind != JsonValueKind.False;
        string text;
        try
        {
            text = tokenizer.ApplyChatTemplate(messages, addGenerationPrompt, tools, template: template);
        }
        catch (Exception e) when (e is not OpenAiException)
        {
            throw OpenAiException.BadRequest($"The chat template could not render these messages: {e.Message}", "messages");
        }
        return tokenizer.Encode(text, addSpecialTokens: false);
    }

    private static string? Content(JsonElement message, string param)
    {
        if (!message.TryGetProperty("content", out var c) || c.ValueKind == JsonValueKind.Null) return null;
        if (c.ValueKind == JsonValueKind.String) return c.GetString();
        if (c.ValueKind != JsonValueKind.Array) throw OpenAiException.BadRequest($"{param}.content must be a string or an array of text parts.", param + ".content");
        var text = new System.Text.StringBuilder();
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.GetString() != "text"
                || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                throw OpenAiException.BadRequest($"{param}.content: only parts of type 'text' with a string 'text' are supported.", param + ".content");
            text.Append(t.GetString());
        }
        return text.ToString();
    }

    private static List<string> Stops(JsonElement e)
    {
        var stops = e.ValueKind switch
        {
            JsonValueKind.Null => [],
            JsonValueKind.String => [e.GetString()!],
            JsonValueKind.Array when e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) => e.EnumerateArray().Select(x => x.GetString()!).ToList(),
            _ => throw OpenAiException.BadRequest("'stop' must be a string or a list of strings.", "stop"),
        };
        if (stops.Count > 16) throw OpenAiException.BadRequest("'stop' may hold at most 16 strings.", "stop");
        if (stops.Any(s => s.Length == 0)) throw OpenAiException.BadRequest("'stop' strings must not be empty.", "stop");
        return stops;
    }

    private static int[] IntArray(JsonElement e, string param)
    {
        if (e.ValueKind != JsonValueKind.Array) throw OpenAiException.BadRequest($"'{param}' must be an array of integers.", param);
        var ids = new int[e.GetArrayLength()];
        int i = 0;
        foreach (var x in e.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt32(out ids[i++]) || ids[i - 1] < 0)
                throw OpenAiException.BadRequest($"'{param}' must contain non-negative integers.", param);
        }
        return ids;
    }

    /// <summary>Typed, range-checked access to optional fields; null counts as absent.</summary>
    private readonly struct Fields(JsonElement body)
    {
        public bool Has(string name) => body.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;
        public JsonValueKind Kind(string name) => body.GetProperty(name).ValueKind;

        public string? String(string name)
        {
            if (!Has(name)) return null;
            var v = body.GetProperty(name);
            return v.ValueKind == JsonValueKind.String ? v.GetString() : throw OpenAiException.BadRequest($"'{name}' must be a string.", name);
        }

        public bool Bool(string name, bool fallback)
        {
            if (!Has(name)) return fallback;
            return body.GetProperty(name).ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw OpenAiException.BadRequest($"'{name}' must be a boolean.", name),
            };
        }

        public float Float(string name, float fallback, float min, float max)
        {
            if (!Has(name)) return fallback;
            var v = body.GetProperty(name);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d)) throw OpenAiException.BadRequest($"'{name}' must be a number.", name);
            if (d < min || d > max) throw OpenAiException.BadRequest($"'{name}' must be between {min} and {max}, got {d}.", name);
            return (float)d;
        }

        public int Int(string name, int fallback, int min, int max) => IntOrNull(name, min, max) ?? fallback;

        public int? IntOrNull(string name, int min, int max)
        {
            if (!Has(name)) return null;
            var v = body.GetProperty(name);
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var l)) throw OpenAiException.BadRequest($"'{name}' must be an integer.", name);
            if (l < min || l > max) throw OpenAiException.BadRequest($"'{name}' must be between {min} and {max}, got {l}.", name);
            return (int)l;
        }

        public long? LongOrNull(string name)
        {
            if (!Has(name)) return null;
            var v = body.GetProperty(name);
            return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : throw OpenAiException.BadRequest($"'{name}' must be an integer.", name);
        }
    }
}
