using System.Globalization;
using Splitwise.LoadTest.Workloads;

namespace Splitwise.LoadTest.Cli;

/// <summary>Parses and checks the command line; every problem is a <see cref="FormatException"/> naming the flag.</summary>
public static class OptionsParser
{
    public static LoadTestOptions Parse(IReadOnlyList<string> args)
    {
        var o = new LoadTestOptions { ApiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY") };
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string? inline = null;
            int eq = flag.IndexOf('=');
            if (flag.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = flag[(eq + 1)..];
                flag = flag[..eq];
            }
            string Value()
            {
                if (inline != null) return inline;
                if (i + 1 >= args.Count) throw new FormatException($"{flag} needs a value.");
                return args[++i];
            }
            switch (flag)
            {
                case "--base-url": o.BaseUrl = Value().TrimEnd('/'); break;
                case "--model": o.Model = Value(); break;
                case "--api-key": o.ApiKey = Value(); break;
                case "--endpoint": o.Endpoint = ParseEnum<ApiEndpoint>(Value(), flag); break;
                case "--chat": o.Endpoint = ApiEndpoint.Chat; break;
                case "--trace": o.TracePath = Value(); break;
                case "--trace-mode": o.TraceMode = ParseEnum<TraceReplayMode>(Value(), flag); break;
                case "--time-scale": o.TimeScale = Positive(Value(), flag); break;
                case "--window": o.Window = ParseWindow(Value(), flag); break;
                case "--prompt-len": o.PromptLen = LengthSpec.Parse(Value(), flag); break;
                case "--output-len": o.OutputLen = LengthSpec.Parse(Value(), flag); break;
                case "--rate": o.Rate = Positive(Value(), flag); break;
                case "--burstiness": o.Burstiness = Positive(Value(), flag); break;
                case "--no-rescale": o.RescaleArrivals = false; break;
                case "--concurrency": o.Concurrency = PositiveInt(Value(), flag); break;
                case "--sweep": o.Sweep = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Positive(s, flag)).ToArray(); break;
                case "--requests": o.Requests = PositiveInt(Value(), flag); break;
                case "--duration": o.DurationSeconds = Positive(Value(), flag); break;
                case "--drain": o.DrainSeconds = NonNegative(Value(), flag); break;
                case "--timeout": o.TimeoutSeconds = Positive(Value(), flag); break;
                case "--out": o.OutDir = Value(); break;
                case "--max-context": o.MaxContext = PositiveInt(Value(), flag); break;
                case "--length-fit": o.LengthFit = ParseEnum<LengthFitMode>(Value(), flag); break;
                case "--tokenizer": o.TokenizerPath = Value(); break;
                case "--prompt-format": o.PromptFormat = ParseEnum<PromptFormat>(Value().Replace("-", ""), flag); break;
                case "--token-id-range": o.TokenIdRange = ParseRange(Value(), flag); break;
                case "--seed": o.Seed = (int)ParseNumber(Value(), flag); break;
                case "--slo-ttft": o.SloTtft = ParseLimits(Value(), flag); break;
                case "--slo-tbt": o.SloTbt = ParseLimits(Value(), flag); break;
                case "--slo-e2e": o.SloE2e = ParseLimits(Value(), flag); break;
                case "--baseline-requests": o.BaselineRequests = (int)NonNegative(Value(), flag); break;
                case "--baseline-output-len": o.BaselineOutputTokens = PositiveInt(Value(), flag); break;
                case "--goodput": ParseGoodput(Value(), flag, o.Goodput); break;
                case "--no-live": o.NoLiveProgress = true; break;
                default: throw new FormatException($"Unknown option '{args[i]}'. Run with --help for the list.");
            }
        }
        Validate(o);
        return o;
    }

    private static void Validate(LoadTestOptions o)
    {
        if (string.IsNullOrEmpty(o.BaseUrl)) throw new FormatException("--base-url is required, e.g. --base-url http://127.0.0.1:8000/v1.");
        if (!Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new FormatException($"--base-url '{o.BaseUrl}' is not an absolute http(s) URL.");
        bool synthetic = o.PromptLen != null || o.OutputLen != null;
        if (o.TracePath != null && synthetic) throw new FormatException("Give either --trace or --prompt-len/--output-len, not both.");
        if (o.TracePath == null && (o.PromptLen == null || o.OutputLen == null))
            throw new FormatException("Give a workload: --trace FILE, or both --prompt-len SPEC and --output-len SPEC.");
        if (o.TracePath != null && !File.Exists(o.TracePath)) throw new FormatException($"--trace: file not found: {o.TracePath}");
        if (o.TokenizerPath != null && !File.Exists(o.TokenizerPath)) throw new FormatException($"--tokenizer: file not found: {o.TokenizerPath}");
        if (o.Rate != null && o.Sweep != null) throw new FormatException("Give --rate or --sweep, not both.");
        if (o.Sweep is { Length: 0 }) throw new FormatException("--sweep needs at least one rate, e.g. --sweep 1,2,4.");

        o.ClosedLoop = o.Concurrency != null && o.Rate == null && o.Sweep == null && o.TraceMode == null && o.Window == null;
        if (o.TracePath != null)
        {
            o.TraceMode ??= o.Window != null ? TraceReplayMode.Window : (o.Rate != null || o.Sweep != null) ? TraceReplayMode.Poisson : TraceReplayMode.Original;
            if (o.TraceMode == TraceReplayMode.Window && o.Window == null) throw new FormatException("--trace-mode window needs --window START:END (seconds into the trace).");
            if (o.TraceMode == TraceReplayMode.Poisson && o.Rate == null && o.Sweep == null)
                throw new FormatException("--trace-mode poisson needs --rate R or --sweep R1,R2,….");
            if (o.TraceMode != TraceReplayMode.Poisson && (o.Rate != null || o.Sweep != null))
                throw new FormatException($"--trace-mode {o.TraceMode.ToString()!.ToLowerInvariant()} replays the trace's own timestamps; --rate/--sweep apply only to --trace-mode poisson.");
        }
        else
        {
            if (o.TraceMode != null || o.Window != null) throw new FormatException("--trace-mode and --window need --trace.");
            if (o.Rate == null && o.Sweep == null && o.Concurrency == null)
                throw new FormatException("Give an arrival pattern: --rate R [--burstiness B], --concurrency N, or --sweep R1,R2,….");
        }

        o.PromptFormat ??= o.Endpoint == ApiEndpoint.Completions && o.TokenizerPath == null ? Cli.PromptFormat.TokenIds : Cli.PromptFormat.Text;
        if (o.PromptFormat == Cli.PromptFormat.TokenIds && o.Endpoint == ApiEndpoint.Chat)
            throw new FormatException("--prompt-format token-ids works only with the completions endpoint; chat messages are text.");
        if (o.TokenIdRange.Lo < 0 || o.TokenIdRange.Hi <= o.TokenIdRange.Lo) throw new FormatException("--token-id-range needs 0 <= LO < HI.");
    }

    private static T ParseEnum<T>(string text, string flag) where T : struct, Enum
    {
        if (Enum.TryParse<T>(text, ignoreCase: true, out var v) && Enum.IsDefined(v)) return v;
        throw new FormatException($"{flag} '{text}': expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }

    private static double ParseNumber(string text, string flag)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
        throw new FormatException($"{flag} '{text}' is not a number.");
    }

    private static double Positive(string text, string flag)
    {
        double v = ParseNumber(text, flag);
        return v > 0 ? v : throw new FormatException($"{flag} must be > 0, got {text}.");
    }

    private static double NonNegative(string text, string flag)
    {
        double v = ParseNumber(text, flag);
        return v >= 0 ? v : throw new FormatException($"{flag} must be >= 0, got {text}.");
    }

    private static int PositiveInt(string text, string flag)
    {
        double v = Positive(text, flag);
        return v == Math.Floor(v) && v <= int.MaxValue ? (int)v : throw new FormatException($"{flag} must be a whole number, got {text}.");
    }

    private static (double, double) ParseWindow(string text, string flag)
    {
        var p = text.Split(':');
        if (p.Length != 2) throw new FormatException($"{flag} '{text}': expected START:END in seconds after the trace's first row.");
        double s = NonNegative(p[0], flag), e = Positive(p[1], flag);
        return e > s ? (s, e) : throw new FormatException($"{flag} '{text}': END must be after START.");
    }

    private static (int, int) ParseRange(string text, string flag)
    {
        var p = text.Split(':');
        if (p.Length != 2) throw new FormatException($"{flag} '{text}': expected LO:HI.");
        return ((int)NonNegative(p[0], flag), PositiveInt(p[1], flag));
    }

    private static double[] ParseLimits(string text, string flag)
    {
        var p = text.Split(',').Select(s => Positive(s, flag)).ToArray();
        return p.Length == 3 ? p : throw new FormatException($"{flag} '{text}': expected three slowdown limits P50,P90,P99, e.g. 2,3,6.");
    }

    private static void ParseGoodput(string text, string flag, Dictionary<string, double> into)
    {
        foreach (var item in text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = item.Split(':');
            string key = kv[0].ToLowerInvariant();
            if (kv.Length != 2 || key is not ("ttft" or "tpot" or "e2el"))
                throw new FormatException($"{flag} '{item}': expected KEY:MILLISECONDS with KEY one of ttft, tpot, e2el.");
            into[key] = Positive(kv[1], flag);
        }
    }
}
