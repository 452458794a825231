using System.Diagnostics;
using System.Globalization;
using System.Text;
using Splitwise.Engine.Tokenization;

/// <summary>
/// Encode throughput of the llama3 and qwen3 tokenizers on English prose and on source code, single thread.
/// The texts are generated deterministically (Zipf-distributed words drawn from the tokenizer's own vocabulary,
/// with inflections so some words are out of vocabulary); each figure is the median of several runs after a
/// warm-up; "cold" is one run of a freshly loaded tokenizer, whose pre-token cache starts empty.
/// Usage: tokenizer [--shared PATH] [--megabytes N] [--runs N]
/// </summary>
public static class TokenizerBench
{
    public static int Run(string[] args)
    {
        string? shared = null;
        double megabytes = 2;
        int runs = 7;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--shared" when i + 1 < args.Length: shared = args[++i]; break;
                case "--megabytes" when i + 1 < args.Length: megabytes = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs" when i + 1 < args.Length: runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"tokenizer bench: unknown argument '{args[i]}'. usage: tokenizer [--shared PATH] [--megabytes N] [--runs N]"); return 2;
            }
        }
        shared ??= LocateShared();
        if (shared is null || !Directory.Exists(Path.Combine(shared, "tokenizers")))
        {
            Console.Error.WriteLine("tokenizer bench: shared data not found; pass --shared PATH (the folder with tokenizers/).");
            return 2;
        }

        var words = WordsFrom(Tokenizer.Load(Path.Combine(shared, "tokenizers", "llama3")));
        var texts = new (string Name, string Text)[]
        {
            ("prose", Prose(words, (int)(megabytes * 1_000_000))),
            ("code", Code(words, (int)(megabytes * 1_000_000))),
        };
        Console.WriteLine($"tokenizer encode throughput, single thread, {runs} runs (median), {megabytes} MB per text");
        Console.WriteLine($"{"tokenizer",-10} {"text",-6} {"MB/s",8} {"cold MB/s",10} {"Mtok/s",8} {"bytes/tok",10}");
        foreach (var name in new[] { "llama3", "qwen3" })
        {
            var path = Path.Combine(shared, "tokenizers", name);
            var tokenizer = Tokenizer.Load(path);
            foreach (var (_, text) in texts) tokenizer.Encode(text, addSpecialTokens: false); // JIT and pre-token cache warm-up
            foreach (var (textName, text) in texts)
            {
                double bytes = Encoding.UTF8.GetByteCount(text);
                var sw = Stopwatch.StartNew();
                int tokens = 0;
                var times = new List<double>();
                for (int r = 0; r < runs; r++)
                {
                    sw.Restart();
                    tokens = tokenizer.Encode(text, addSpecialTokens: false).Length;
                    times.Add(sw.Elapsed.TotalSeconds);
                }
                times.Sort();
                double median = times[times.Count / 2];
                // Cold: a fresh tokenizer (empty pre-token cache) on already-compiled code.
                var fresh = Tokenizer.Load(path);
                sw.Restart();
                fresh.Encode(text, addSpecialTokens: false);
                double cold = sw.Elapsed.TotalSeconds;
                Console.WriteLine(FormattableString.Invariant(
                    $"{name,-10} {textName,-6} {bytes / median / 1e6,8:F1} {bytes / cold / 1e6,10:F1} {tokens / median / 1e6,8:F2} {bytes / tokens,10:F2}"));
            }
        }
        return 0;
    }

    private static string? LocateShared()
    {
        var env = Environment.GetEnvironmentVariable("SPLITWISE_SHARED");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Splitwise.sln")))
                    return dir.Parent is null ? null : Path.Combine(dir.Parent.FullName, "shared");
        return null;
    }

    /// <summary>Lower-case alphabetic words of 2-12 letters from the vocabulary ("Ġword" pieces), most frequent first by id.</summary>
    private static string[] WordsFrom(Tokenizer tokenizer)
    {
        var words = new List<string>();
        for (int id = 0; id < tokenizer.VocabSize && words.Count < 20_000; id++)
        {
            var t = tokenizer.IdToToken(id);
            if (t is { Length: >= 3 and <= 13 } && t[0] == 'Ġ' && t.Skip(1).All(c => c is >= 'a' and <= 'z')) words.Add(t[1..]);
        }
        return words.ToArray();
    }

    /// <summary>A small deterministic generator (the same text on every machine and runtime).</summary>
    private sealed class Lcg(ulong seed)
    {
        private ulong _state = seed;
        public int Next(int n) { _state = _state * 6364136223846793005UL + 1442695040888963407UL; return (int)((_state >> 33) % (ulong)n); }
        /// <summary>Roughly Zipf: small indices much more often.</summary>
        public int Zipf(int n) { double u = (Next(1 << 20) + 0.5) / (1 << 20); return Math.Min(n - 1, (int)Math.Floor(Math.Pow(n + 1, u)) - 1); }
    }

    private static readonly string[] Suffixes = ["", "", "", "", "s", "ed", "ing", "ly", "ness", "er"];

    private static string Prose(string[] words, int size)
    {
        var rng = new Lcg(12345);
        var sb = new StringBuilder(size + 200);
        while (sb.Length < size)
        {
            int sentences = 3 + rng.Next(6);
            for (int s = 0; s < sentences; s++)
            {
                int n = 6 + rng.Next(16);
                for (int w = 0; w < n; w++)
                {
                    var word = words[rng.Zipf(words.Length)] + Suffixes[rng.Next(Suffixes.Length)];
                    if (w == 0) word = char.ToUpperInvariant(word[0]) + word[1..];
                    if (w > 0) sb.Append(' ');
                    if (rng.Next(40) == 0) sb.Append('"').Append(word).Append('"');
                    else if (rng.Next(60) == 0) sb.Append(1 + rng.Next(2100));
                    else sb.Append(word);
                    if (w < n - 1 && rng.Next(9) == 0) sb.Append(',');
                }
                sb.Append(rng.Next(12) == 0 ? '?' : rng.Next(15) == 0 ? '!' : '.');
                sb.Append(' ');
            }
            sb.Length--;
            sb.Append("\n\n");
        }
        return sb.ToString();
    }

    private static string Code(string[] words, int size)
    {
        var rng = new Lcg(67890);
        string Word() => words[rng.Zipf(Math.Min(words.Length, 3000))];
        string Camel() => Word() + char.ToUpperInvariant(Word()[0]) + Word()[1..];
        string Snake() => Word() + "_" + Word();
        var sb = new StringBuilder(size + 200);
        while (sb.Length < size)
        {
            string type = char.ToUpperInvariant(Word()[0]) + Camel()[1..];
            sb.Append("public sealed class ").Append(type).Append("\n{\n");
            int members = 2 + rng.Next(5);
            for (int m = 0; m < members; m++)
            {
                string method = char.ToUpperInvariant(Word()[0]) + Camel()[1..];
                sb.Append("    public int ").Append(method).Append("(int ").Append(Camel()).Append(", string ").Append(Camel()).Append(")\n    {\n");
                int lines = 3 + rng.Next(8);
                for (int l = 0; l < lines; l++)
                {
                    sb.Append("        ");
                    switch (rng.Next(6))
                    {
                        case 0: sb.Append("var ").Append(Camel()).Append(" = ").Append(Camel()).Append('.').Append(Word()).Append('(').Append(rng.Next(1000)).Append(");"); break;
                        case 1: sb.Append("if (").Append(Camel()).Append(" >= ").Append(rng.Next(64)).Append(" && !").Append(Word()).Append(") return -1;"); break;
                        case 2: sb.Append("for (int i = 0; i < ").Append(Camel()).Append(".Length; i++) ").Append(Snake()).Append("[i] += 0x").Append(rng.Next(65536).ToString("X4", CultureInfo.InvariantCulture)).Append(';'); break;
                        case 3: sb.Append("// ").Append(Word()).Append(' ').Append(Word()).Append(' ').Append(Word()).Append(": ").Append(Word()).Append('.'); break;
                        case 4: sb.Append("throw new InvalidOperationException($\"").Append(Word()).Append(" {").Append(Camel()).Append("} ").Append(Word()).Append("\");"); break;
                        default: sb.Append("return ").Append(Camel()).Append(" * ").Append(rng.Next(17)).Append(" + ").Append(Snake()).Append(';'); break;
                    }
                    sb.Append('\n');
                }
                sb.Append("    }\n\n");
            }
            sb.Append("}\n\n");
        }
        return sb.ToString();
    }
}
