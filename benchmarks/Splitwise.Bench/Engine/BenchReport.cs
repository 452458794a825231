using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Splitwise.Bench.Engine;

/// <summary>The Markdown table and JSON file of a benchmark run.</summary>
public static class BenchReport
{
    public static string Markdown(IReadOnlyList<EngineBenchResult> results, double bandwidthGBs, double fmaPeak, double int8Peak, string machine)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"Machine: {machine}. Measured: read bandwidth {bandwidthGBs:F1} GB/s, FP32 FMA peak {fmaPeak:F0} GFLOP/s, int8 dot peak {int8Peak:F0} GOP/s.");
        sb.AppendLine();
        sb.AppendLine("| model | weights | KV | MB/token | prefill 128 tok/s | prefill 512 tok/s | prefill 512 % FMA peak | decode b1 tok/s | decode b1 % bandwidth roofline ¹ | decode b8 tok/s | decode b32 tok/s |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            string V(IReadOnlyDictionary<int, double> d, int k, string format) => d.TryGetValue(k, out var v) ? v.ToString(format, inv) : "n/a";
            sb.AppendLine(inv, $"| {r.Model} | {r.WeightTypes} | {r.KvCache} | {r.MatrixBytesPerToken / 1e6:F1} | {V(r.PrefillTokensPerSecond, 128, "F1")} | {V(r.PrefillTokensPerSecond, 512, "F1")} | {V(r.PrefillFractionOfFmaPeak, 512, "P1")} | {V(r.DecodeTokensPerSecond, 1, "F1")} | {r.DecodeBatch1FractionOfBandwidth.ToString("P1", inv)} | {V(r.DecodeTokensPerSecond, 8, "F1")} | {V(r.DecodeTokensPerSecond, 32, "F1")} |");
        }
        sb.AppendLine();
        sb.AppendLine(inv, $"¹ Weight bytes per token × decode tok/s ÷ the read bandwidth of those same weight bytes, sampled beside it (a plain read pass every 5 tokens; median over tokens); the KV cache reads (elements of the KV column's type, 512 tokens of context unless --context says otherwise) are not counted as useful bytes.");
        return sb.ToString();
    }

    public static void WriteJson(string path, IReadOnlyList<EngineBenchResult> results, double bandwidthGBs, double fmaPeak, double int8Peak, string machine)
    {
        var doc = new { machine, bandwidth_gb_s = bandwidthGBs, fp32_fma_peak_gflop_s = fmaPeak, int8_dot_peak_gop_s = int8Peak, models = results };
        File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
    }
}
