using System.Text;
using System.Text.Json;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Tokenization;

namespace Splitwise.Gateway.OpenAi;

/// <summary>Writes completion and chat bodies and stream chunks in OpenAI's exact shapes.</summary>
public sealed class ResponseShapes(GenerationRequest request, string id, long created, Tokenizer? tokenizer)
{
    private string Object => request.IsChat ? (request.Stream ? "chat.completion.chunk" : "chat.completion") : "text_completion";

    public string Chunk(ChoiceDelta delta, bool first)
    {
        return Write(w =>
        {
            Header(w);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", delta.Index);
            if (request.IsChat)
            {
                w.WriteStartObject("delta");
                if (first) w.WriteString("role", "assistant");
                if (delta.Text.Length > 0 || first) w.WriteString("content", delta.Text);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("text", delta.Text);
            }
            WriteLogprobs(w, delta.Tokens, textOffset: 0);
            if (delta.FinishReason is null) w.WriteNull("finish_reason"); else w.WriteString("finish_reason", delta.FinishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            if (request.IncludeUsage) w.WriteNull("usage");
        });
    }

    public string UsageChunk(int promptTokens, int completionTokens) => Write(w =>
    {
        Header(w);
        w.WriteStartArray("choices");
        w.WriteEndArray();
        Usage(w, promptTokens, completionTokens);
    });

    /// <summary>The whole non-streamed response from every choice's collected deltas.</summary>
    public string Full(IReadOnlyList<List<ChoiceDelta>> choices, int promptTokens, int completionTokens) => Write(w =>
    {
        Header(w);
        w.WriteStartArray("choices");
        for (int i = 0; i < choices.Count; i++)
        {
            var deltas = choices[i];
            string text = string.Concat(deltas.Select(d => d.Text));
            var tokens = deltas.SelectMany(d => d.Tokens).ToList();
            w.WriteStartObject();
            w.WriteNumber("index", i);
            if (request.IsChat)
            {
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                w.WriteString("content", text);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("text", text);
            }
            WriteLogprobs(w, tokens, textOffset: 0);
            w.WriteString("finish_reason", deltas.LastOrDefault(d => d.FinishReason != null)?.FinishReason ?? "abort");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        Usage(w, promptTokens, completionTokens);
    });

    private void Header(Utf8JsonWriter w)
    {
        w.WriteString("id", id);
        w.WriteString("object", Object);
        w.WriteNumber("created", created);
        w.WriteString("model", request.Model);
    }

    private static void Usage(Utf8JsonWriter w, int prompt, int completion)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", prompt + completion);
        w.WriteEndObject();
    }

    private void WriteLogprobs(Utf8JsonWriter w, IReadOnlyList<SampledToken> tokens, int textOffset)
    {
        if (request.Logprobs is null)
        {
            w.WriteNull("logprobs");
            return;
        }
        w.WriteStartObject("logprobs");
        if (request.IsChat)
        {
            w.WriteStartArray("content");
            foreach (var t in tokens)
            {
                w.WriteStartObject();
                TokenEntry(w, t.Id, t.Logprob);
                w.WriteStartArray("top_logprobs");
                foreach (var alt in t.TopLogprobs ?? [])
                {
                    w.WriteStartObject();
                    TokenEntry(w, alt.Id, alt.Logprob);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        else
        {
            w.WriteStartArray("tokens");
            foreach (var t in tokens) w.WriteStringValue(TokenText(t.Id));
            w.WriteEndArray();
            w.WriteStartArray("token_logprobs");
            foreach (var t in tokens) w.WriteNumberValue(t.Logprob);
            w.WriteEndArray();
            w.WriteStartArray("top_logprobs");
            foreach (var t in tokens)
            {
                w.WriteStartObject();
                foreach (var alt in t.TopLogprobs ?? []) w.WriteNumber(TokenText(alt.Id), alt.Logprob);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("text_offset");
            int offset = textOffset;
            foreach (var t in tokens)
            {
                w.WriteNumberValue(offset);
                offset += TokenText(t.Id).Length;
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private void TokenEntry(Utf8JsonWriter w, int tokenId, float logprob)
    {
        string text = TokenText(tokenId);
        w.WriteString("token", text);
        w.WriteNumber("logprob", logprob);
        w.WriteStartArray("bytes");
        foreach (var b in Encoding.UTF8.GetBytes(text)) w.WriteNumberValue(b);
        w.WriteEndArray();
    }

    private string TokenText(int id) => tokenizer?.Decode([id]) ?? $"<{id}>";

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
