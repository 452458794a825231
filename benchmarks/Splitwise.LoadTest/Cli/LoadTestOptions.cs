using Splitwise.LoadTest.Workloads;

namespace Splitwise.LoadTest.Cli;

/// <summary>Everything the command line can set. Defaults are the values given here.</summary>
public sealed class LoadTestOptions
{
    /// <summary>OpenAI-compatible base URL ending in /v1, e.g. http://127.0.0.1:8000/v1. Required.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Model name; default: the first id listed by GET {base}/models.</summary>
    public string? Model { get; set; }

    /// <summary>API: completions (default, works with base models) or chat.</summary>
    public ApiEndpoint Endpoint { get; set; } = ApiEndpoint.Completions;

    /// <summary>Bearer token; default: the OPENAI_API_KEY environment variable, if set.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Azure trace CSV to replay. Either this or PromptLen + OutputLen.</summary>
    public string? TracePath { get; set; }

    /// <summary>Trace replay mode; default: poisson when a rate or sweep is given, window when a window is given, else original.</summary>
    public TraceReplayMode? TraceMode { get; set; }

    /// <summary>Trace speed-up: arrival = trace offset / TimeScale. Default 1 (real time).</summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>Trace window [start, end) in seconds after the first row (window mode).</summary>
    public (double Start, double End)? Window { get; set; }

    public LengthSpec? PromptLen { get; set; }
    public LengthSpec? OutputLen { get; set; }

    /// <summary>Open-loop request rate (req/s).</summary>
    public double? Rate { get; set; }

    /// <summary>Gamma shape of the arrival gaps; 1 = Poisson. Default 1.</summary>
    public double Burstiness { get; set; } = 1;

    /// <summary>Rescale cumulative arrival times so the last lands at N/R (vllm bench serve does). Default true.</summary>
    public bool RescaleArrivals { get; set; } = true;

    /// <summary>Closed loop with N workers, or, together with a rate, a cap on requests in flight.</summary>
    public int? Concurrency { get; set; }

    /// <summary>Set by the parser: closed loop (concurrency without a rate). With a trace, rows are sent in order, timestamps ignored.</summary>
    public bool ClosedLoop { get; set; }

    /// <summary>Rates for a sweep: one run per rate, then a throughput–latency curve.</summary>
    public double[]? Sweep { get; set; }

    /// <summary>Requests per run. Default 100.</summary>
    public int Requests { get; set; } = 100;

    /// <summary>No request is sent after this many seconds of a run. Default 600.</summary>
    public double DurationSeconds { get; set; } = 600;

    /// <summary>After the last send, seconds to wait for requests in flight before cancelling them. Default 120.</summary>
    public double DrainSeconds { get; set; } = 120;

    /// <summary>Per-request timeout in seconds. Default 300.</summary>
    public double TimeoutSeconds { get; set; } = 300;

    /// <summary>Output folder for JSON, Markdown and SVG; none written when null.</summary>
    public string? OutDir { get; set; }

    /// <summary>Target context length; default: max_model_len from GET {base}/models if the server reports it, else no limit.</summary>
    public int? MaxContext { get; set; }

    /// <summary>How over-long requests are fitted to MaxContext. Default clip.</summary>
    public LengthFitMode LengthFit { get; set; } = LengthFitMode.Clip;

    /// <summary>Hugging Face tokenizer.json of the target, for text prompts of exact length.</summary>
    public string? TokenizerPath { get; set; }

    /// <summary>Prompt format; default token ids for completions without a tokenizer, text otherwise.</summary>
    public PromptFormat? PromptFormat { get; set; }

    /// <summary>Token ids for token-id prompts are drawn uniformly from [Lo, Hi). Default [10, 500), valid for any vocabulary of 500 or more.</summary>
    public (int Lo, int Hi) TokenIdRange { get; set; } = (10, 500);

    /// <summary>Seed for lengths, sampling, arrivals and prompts. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Slowdown limits at P50/P90/P99 (Splitwise). Defaults 2/3/6 for TTFT, 1.25/1.5/5 for TBT and E2E.</summary>
    public double[] SloTtft { get; set; } = [2, 3, 6];
    public double[] SloTbt { get; set; } = [1.25, 1.5, 5];
    public double[] SloE2e { get; set; } = [1.25, 1.5, 5];

    /// <summary>Sequential requests that measure the unloaded baseline before the run; 0 turns the slowdown SLOs off. Default 6.</summary>
    public int BaselineRequests { get; set; } = 6;

    /// <summary>Output tokens of each baseline request. Default 32.</summary>
    public int BaselineOutputTokens { get; set; } = 32;

    /// <summary>Goodput limits in ms by metric (ttft, tpot, e2el), as in vllm bench serve's --goodput; none by default.</summary>
    public Dictionary<string, double> Goodput { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Turn off the live progress bar (plain progress lines instead). Default false.</summary>
    public bool NoLiveProgress { get; set; }
}
