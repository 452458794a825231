namespace Splitwise.LoadTest.Cli;

/// <summary>The --help text.</summary>
public static class UsageText
{
    public const string Text = """
        Splitwise.LoadTest: drive an OpenAI-compatible endpoint and report like `vllm bench serve`.

        dotnet run --project benchmarks/Splitwise.LoadTest -c Release -- --base-url http://127.0.0.1:8000/v1 [--model NAME]
            (--trace FILE | --prompt-len SPEC --output-len SPEC) (--rate R [--burstiness B] | --concurrency N | --sweep R1,R2,...)
            --requests N [--duration S] --out DIR
        dotnet run --project benchmarks/Splitwise.LoadTest -c Release -- compare A/result.json B/result.json --out DIR [--labels A,B]
            (two runs side by side; `compare --help` for its flags)

        Target
          --base-url URL           base URL ending in /v1 (required)
          --model NAME             default: first id from GET {base}/models
          --endpoint completions|chat   default completions (works with base models); --chat is short for chat
          --api-key KEY            default: $OPENAI_API_KEY
          --max-context N          context length; default max_model_len from /models, else no fitting
          --length-fit clip|scale  how longer requests are fitted to the context (default clip)
          --timeout S              per-request timeout (default 300)

        Workload
          --prompt-len SPEC        N | fixed:N | uniform:MIN:MAX | lognormal:MEDIAN:SIGMA
          --output-len SPEC        same forms; forced with max_tokens = min_tokens = n and ignore_eos
          --trace FILE             Azure LLM inference trace CSV (e.g. ../shared/traces/AzureLLMInferenceTrace_conv.csv)
          --trace-mode original|poisson|window
                                   original: trace timestamps / --time-scale; poisson: lengths sampled from the trace,
                                   arrivals at --rate; window: rows in --window START:END (s), original timing.
                                   Default: poisson with --rate/--sweep, window with --window, else original;
                                   with --concurrency alone, trace rows in order, closed loop.
          --time-scale F           speed-up for trace timestamps (2 = twice as fast; default 1)
          --window START:END       seconds after the trace's first row
          --prompt-format token-ids|text   default token-ids for completions without --tokenizer, else text
          --token-id-range LO:HI   ids for token-id prompts (default 10:500)
          --tokenizer FILE         target's tokenizer.json: text prompts of exact length
          --seed N                 default 0

        Arrivals and bounds
          --rate R                 open loop, R requests/s
          --burstiness B           gamma gaps, shape B (1 = Poisson, default); mean gap stays 1/R
          --no-rescale             do not rescale arrival times so the last lands at N/R (vllm does)
          --concurrency N          closed loop with N workers; with --rate/--sweep: cap on requests in flight
          --sweep R1,R2,...        one run per rate, then a throughput-latency curve
          --requests N             requests per run (default 100)
          --duration S             no request is sent after S seconds (default 600)
          --drain S                then wait at most S seconds for requests in flight (default 120)

        SLOs
          --goodput KEY:MS[,KEY:MS]  goodput limits, KEY in ttft, tpot, e2el
          --baseline-requests N    unloaded sequential requests measured first (default 6; 0 = no slowdown SLOs)
          --baseline-output-len N  output tokens of each baseline request (default 32)
          --slo-ttft P50,P90,P99   slowdown limits (default 2,3,6)
          --slo-tbt P50,P90,P99    (default 1.25,1.5,5)
          --slo-e2e P50,P90,P99    (default 1.25,1.5,5)

        Output
          --out DIR                result.json, report.md, SVG plots (per rate in DIR/rate_R for a sweep, plus sweep.md)
          --no-live                plain progress lines instead of the live bar

        Ctrl-C stops the run and still writes the report of what finished; a second Ctrl-C exits at once.
        """;
}
