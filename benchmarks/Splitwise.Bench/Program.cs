using Splitwise.Bench.Engine;
using Splitwise.Engine;
using Splitwise.Engine.Cache;
using Splitwise.Bench.Roofline;
using Splitwise.Engine.Loading;
using Splitwise.Kernels;
using Splitwise.Kernels.Threading;

// Splitwise.Bench [engine] [--models a,b,...] [--prefill 128,512] [--decode 1,8,32] [--threads T] [--out DIR] [--reps N] [--context C] [--decode-only] [--profile] [--kv auto|f32|f16] [FILE.gguf ...]
//                                                                                        roofline probes, then engine throughput
//   --decode-only: only decode at batch 1 (and only the bandwidth probe); --profile: then time each forward step of it
// Splitwise.Bench kernels                                                                matrix-multiply microbenchmarks
// Splitwise.Bench kernels --attention [--context 512] [--kv f16] [--kv-heads 4] [--group 3]    decode attention per KV head: DRAM, cache, and a layer over the pool
// Splitwise.Bench kernels --f16-gemv [--reps N]   fp16 GEMV compute ceiling: managed vs native (vcvtph2ps)
// Splitwise.Bench kernels --q8-paths [--tokens 1,4,...] [--reps N] [--threads T] [--cpu-time]   Q8_0 GEMV vs fp32/int16/row-lane/VNNI GEMMs by batch size
// Splitwise.Bench serving [--model M] [--concurrency 1,4,16]                           output tok/s of the gateway under closed-loop load
// Splitwise.Bench tokenizer                                                              tokenizer encode throughput
string[] verbs = ["engine", "kernels", "serving", "tokenizer"];
var verb = args.Length > 0 && verbs.Contains(args[0]) ? args[0] : "engine";
var rest = args.Length > 0 && verbs.Contains(args[0]) ? args[1..] : args;
if (verb == "serving") return await Splitwise.Bench.Serving.ServingBench.RunAsync(rest);
if (verb == "tokenizer") return TokenizerBench.Run(rest);

string? Option(string name) => Array.IndexOf(rest, name) is var i and >= 0 && i + 1 < rest.Length ? rest[i + 1] : null;
if (verb == "kernels" && rest.Contains("--attention"))
{
    AttentionBench.Run(int.Parse(Option("--context") ?? "512"), headDim: 64, int.Parse(Option("--kv-heads") ?? "4"), int.Parse(Option("--group") ?? "3"),
                       Option("--kv") == "f16", int.Parse(Option("--reps") ?? "41"), Console.Out);
    return 0;
}

int threadsIndex = Array.IndexOf(rest, "--threads");
using var ownPool = threadsIndex >= 0 && threadsIndex + 1 < rest.Length ? new WorkerPool(int.Parse(rest[threadsIndex + 1])) : null;
var pool = ownPool ?? WorkerPool.Shared;
string machine = $"{Environment.ProcessorCount} cores, SIMD {CpuFeatures.Describe()}";
Console.WriteLine($"Probing this machine ({machine})...");
bool decodeOnly = rest.Contains("--decode-only"), profile = rest.Contains("--profile");
var bandwidthVariants = new SortedDictionary<string, double>();
double bandwidth = RooflineProbe.MemoryReadBandwidth(pool, bestByVariant: bandwidthVariants);
// Best of many: one busy core (JIT, GC) halves a single sample.
double fma = decodeOnly ? double.NaN : RooflineProbe.Fp32FmaPeak(pool, repetitions: 20);
double int8 = decodeOnly ? double.NaN : RooflineProbe.Int8DotPeak(pool, repetitions: 20);
Console.WriteLine($"read bandwidth {bandwidth:F1} GB/s (best of: {string.Join(", ", bandwidthVariants.Select(v => $"{v.Key} {v.Value:F1}"))}), FP32 FMA {fma:F0} GFLOP/s, int8 dot {int8:F0} GOP/s ({RooflineProbe.Int8Method})");
if (verb == "kernels" && rest.Contains("--q8-paths"))
{
    int[] tokens = (Option("--tokens") ?? "1,2,4,6,8,10,12,16,24,32,64,128,512").Split(',').Select(int.Parse).ToArray();
    Q8_0PathBench.Run(pool, fma, tokens, int.Parse(Option("--reps") ?? "7"), rest.Contains("--cpu-time"), Console.Out);
    return 0;
}
if (verb == "kernels" && rest.Contains("--f16-gemv"))
{
    F16GemvBench.Run(bandwidth, int.Parse(Option("--reps") ?? "15"), Console.Out);
    return 0;
}
if (verb == "kernels")
{
    KernelBench.Run(pool, bandwidth, fma, Console.Out);
    return 0;
}

int reps = int.Parse(Option("--reps") ?? "3");
int[] IntList(string name, int[] fallback) => Option(name)?.Split(',').Select(int.Parse).ToArray() ?? fallback;
var models = (Option("--models")?.Split(',') ??
    ["../shared/models/stories260k", "synthetic:llama-160m-f16", "synthetic:llama-160m-q8_0", "synthetic:llama-1b-q8_0"])
    .Concat(rest.Where(a => a.EndsWith(".gguf", StringComparison.Ordinal))).ToList();
KvDataType? kvOption = Option("--kv") switch
{
    null or "auto" => null,
    "f32" => KvDataType.F32,
    "f16" => KvDataType.F16,
    var other => throw new ArgumentException($"--kv takes auto, f32 or f16, not '{other}'."),
};
var results = new List<EngineBenchResult>();
foreach (var spec in models)
{
    Console.WriteLine($"{spec}: loading...");
    using var weights = ModelLoader.Load(spec);
    // Decode's roofline is read over the model's own matrices, so both sides of the ratio read the same memory.
    var sampler = new RooflineProbe.BandwidthSampler(pool, weights.MatricesReadPerStep);
    results.Add(EngineBench.Run(weights, spec, pool, bandwidth, fma, decodeOnly ? [] : IntList("--prefill", [128, 512]), decodeOnly ? [1] : IntList("--decode", [1, 8, 32]),
                                decodeContext: int.Parse(Option("--context") ?? "512"), reps, Console.WriteLine, profile, sampler.Sample,
                                new EngineOptions { KvDataType = kvOption }.KvDataTypeFor(weights)));
}
var markdown = BenchReport.Markdown(results, bandwidth, fma, int8, machine);
Console.WriteLine();
Console.WriteLine(markdown);
var outDir = Option("--out") ?? "out/bench";
Directory.CreateDirectory(outDir);
BenchReport.WriteJson(Path.Combine(outDir, "engine-bench.json"), results, bandwidth, fma, int8, machine);
File.WriteAllText(Path.Combine(outDir, "engine-bench.md"), markdown);
Console.WriteLine($"wrote {outDir}/engine-bench.json and engine-bench.md");
return 0;
