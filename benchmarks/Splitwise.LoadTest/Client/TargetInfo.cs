using System.Text.Json;

namespace Splitwise.LoadTest.Client;

/// <summary>What GET {base}/models says: the first model id and, where the server reports it (vLLM does), max_model_len.</summary>
public sealed record TargetInfo(string? ModelId, int? MaxModelLen)
{
    public static async Task<TargetInfo> QueryAsync(HttpClient http, string baseUrl, string? apiKey, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl.TrimEnd('/') + "/models");
        if (!string.IsNullOrEmpty(apiKey)) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await http.SendAsync(request, cts.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return new TargetInfo(null, null);
        try
        {
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false));
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0)
                return new TargetInfo(null, null);
            var first = data[0];
            string? id = first.TryGetProperty("id", out var i) ? i.GetString() : null;
            int? max = first.TryGetProperty("max_model_len", out var m) && m.TryGetInt32(out int v) ? v : null;
            return new TargetInfo(id, max);
        }
        catch (JsonException)
        {
            return new TargetInfo(null, null);
        }
    }
}
