using System.Text.Json;

namespace Splitwise.LoadTest.Client;

/// <summary>
/// Parses one SSE data payload of an OpenAI stream. A chunk carries a token when its first choice has non-empty text
/// (completions: <c>choices[0].text</c>; chat: <c>choices[0].delta.content</c>). For completions a choice with empty text
/// and no finish_reason also counts, because a token can decode to no text yet (a partial UTF-8 character).
/// </summary>
public static class SseChunkParser
{
    /// <exception cref="FormatException">The payload is not JSON or not an object.</exception>
    public static SseChunk Parse(string payload, bool chat)
    {
        if (payload == "[DONE]") return new SseChunk(true, false, null, null, null);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload);
        }
        catch (JsonException e)
        {
            throw new FormatException($"SSE data is not JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("SSE data is not a JSON object.");
            if (root.TryGetProperty("error", out var err) && err.ValueKind != JsonValueKind.Null)
                return new SseChunk(false, false, null, null, err.ValueKind == JsonValueKind.Object && err.TryGetProperty("message", out var m) ? m.ToString() : err.ToString());
            bool token = false;
            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
            {
                var c = choices[0];
                bool finished = c.TryGetProperty("finish_reason", out var fr) && fr.ValueKind == JsonValueKind.String;
                if (chat)
                {
                    token = c.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object
                        && delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString()!.Length > 0;
                }
                else if (c.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    token = text.GetString()!.Length > 0 || !finished;
                }
            }
            int? prompt = null, completion = null;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                if (usage.TryGetProperty("prompt_tokens", out var p) && p.TryGetInt32(out int pv)) prompt = pv;
                if (usage.TryGetProperty("completion_tokens", out var ct) && ct.TryGetInt32(out int cv)) completion = cv;
            }
            return new SseChunk(false, token, prompt, completion, null);
        }
    }
}
