using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Splitwise.Engine;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Tests.Support;

/// <summary>
/// A prompt engine with a <see cref="KvStreamSender"/> as its layer sink, and a token engine whose blocks a
/// <see cref="KvStreamReceiver"/> fills, joined by an in-memory or loopback TCP link, on stories260k. While KV lands
/// the token engine keeps decoding an unrelated request, so writes into reserved blocks race real steps.
/// </summary>
public sealed class KvSplitRig : IAsyncDisposable
{
    private static readonly SamplingParams Greedy = new() { Temperature = 0, MaxTokens = 32, IgnoreEos = true };
    private readonly IAsyncDisposable _server;
    private readonly List<SplitRequest> _requests = [];

    private KvSplitRig(LlamaWeights weights, LlmEngine prompt, LlmEngine token, KvStreamReceiver receiver, KvStreamSender sender,
        IKvTransport transport, string endpoint, IAsyncDisposable server)
    {
        Weights = weights;
        Prompt = prompt;
        Token = token;
        Receiver = receiver;
        Sender = sender;
        Transport = transport;
        Endpoint = endpoint;
        _server = server;
        prompt.LayerSink = sender;
        // Decoded in the token engine throughout, as other users' requests would be.
        Background = token.AddRequest(Cases.Single(x => x.Name == "park").PromptIds, Greedy);
    }

    public static IReadOnlyList<GoldenCase> Cases { get; } = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json"));

    public LlamaWeights Weights { get; }
    public LlmEngine Prompt { get; }
    public LlmEngine Token { get; }
    public KvStreamReceiver Receiver { get; }
    public KvStreamSender Sender { get; }
    public IKvTransport Transport { get; }
    public string Endpoint { get; }
    public Sequence Background { get; }
    public ConcurrentQueue<long> Expired { get; } = new();

    /// <param name="wrap">Puts a fault injector between the sender and the link.</param>
    /// <param name="promptPrefixCaching">Lets the prompt engine reuse cached prefix blocks, so a prefill may start past token 0.</param>
    public static KvSplitRig Create(KvLink link, KvTransferOptions senderOptions, KvTransferOptions? receiverOptions = null, int maxBatchedTokens = 512,
        TimeProvider? time = null, Func<IKvTransport, IKvTransport>? wrap = null, bool promptPrefixCaching = false)
    {
        var weights = ModelLoader.Load(SharedData.Stories260K);
        var prompt = new LlmEngine(weights, new EngineOptions { Scheduler = new() { MaxBatchedTokens = maxBatchedTokens, EnablePrefixCaching = promptPrefixCaching } });
        var token = new LlmEngine(weights, new EngineOptions());
        var receiver = new KvStreamReceiver(token.Cache, receiverOptions ?? senderOptions, time);
        IKvTransport transport;
        string endpoint;
        IAsyncDisposable server;
        if (link == KvLink.Tcp)
        {
            var listener = new TcpKvListener(receiver, new IPEndPoint(IPAddress.Loopback, 0));
            (transport, endpoint, server) = (new TcpKvTransport(), listener.Endpoint, listener);
        }
        else
        {
            var memory = new InMemoryKvTransport();
            memory.Register("token-0", receiver);
            (transport, endpoint, server) = (memory, "token-0", memory);
        }
        transport = wrap?.Invoke(transport) ?? transport;
        var sender = new KvStreamSender(transport, senderOptions);
        return new KvSplitRig(weights, prompt, token, receiver, sender, transport, endpoint, server);
    }

    /// <summary>Reserves on the token side, expects the KV, and queues the prefill routed to it. <paramref name="handoffId"/> overrides the id frames carry.</summary>
    public SplitRequest Start(GoldenCase c, long? handoffId = null)
    {
        var reserved = Token.ReserveForHandoff(c.PromptIds, Greedy) ?? throw new InvalidOperationException($"{c.Name}: no room to reserve.");
        Receiver.Expect(reserved.Id, reserved.BlockTable, c.PromptIds.Length, Expired.Enqueue);
        var prefill = Prompt.AddRequest(c.PromptIds, Greedy with { MaxTokens = 1 });
        long id = handoffId ?? reserved.Id;
        Sender.Route(prefill.Id, new KvHandoff(new MachineId("token-0"), Endpoint, id), c.PromptIds.Length);
        var request = new SplitRequest(c, reserved, prefill, id);
        _requests.Add(request);
        return request;
    }

    /// <summary>
    /// Steps the prompt engine until every started prefill is done, completing each transfer as its prefill ends, then
    /// resumes every request whose KV got across on the token engine and decodes it to the end (the rest are
    /// released). All bounded by <paramref name="timeout"/>. <paramref name="afterPromptStep"/> runs after each prompt
    /// step, before the transfers of prompts that step finished are completed.
    /// </summary>
    public async Task<IReadOnlyList<SplitOutcome>> RunAsync(TimeSpan timeout, Action<int>? afterPromptStep = null)
    {
        var clock = Stopwatch.StartNew();
        var started = _requests.ToList();
        _requests.Clear();
        for (int step = 0; started.Any(r => r.Sent == null); step++)
        {
            if (clock.Elapsed > timeout) throw new TimeoutException("Prefill did not finish in time.");
            Prompt.Step();
            afterPromptStep?.Invoke(step);
            foreach (var r in started.Where(r => r.Prefill.IsFinished && r.Sent == null))
                r.Sent = Sender.CompleteAsync(r.Prefill.Id, CancellationToken.None);
            if (Token.HasWork) Token.Step();
        }

        var outcomes = new List<SplitOutcome>();
        foreach (var r in started)
        {
            KvTransferReport? report = null;
            Exception? senderError = null, receiverError = null;
            try
            {
                report = await r.Sent!.WaitAsync(Remaining(clock, timeout));
            }
            catch (Exception e)
            {
                senderError = e;
            }
            try
            {
                await Receiver.WaitCompleteAsync(r.Reserved.Id, CancellationToken.None).WaitAsync(Remaining(clock, timeout));
            }
            catch (Exception e)
            {
                receiverError = e;
            }
            Receiver.Forget(r.Reserved.Id);
            if (senderError == null && receiverError == null) Token.ResumeAfterHandoff(r.Reserved, r.Prefill.Output[0]);
            else Token.Abort(r.Reserved.Id);
            outcomes.Add(new SplitOutcome(r, null, report, senderError, receiverError));
        }

        while (Token.HasWork)
        {
            if (clock.Elapsed > timeout) throw new TimeoutException("Decode did not finish in time.");
            Token.Step();
        }
        return outcomes.Select(o => o.SenderError == null && o.ReceiverError == null ? o with { Output = [.. o.Request.Reserved.Output] } : o).ToList();
    }

    /// <summary>Stops the token machine's endpoint (TCP listener or in-memory transport), dropping its connections.</summary>
    public void StopServer() => _server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static TimeSpan Remaining(Stopwatch clock, TimeSpan timeout) => timeout - clock.Elapsed is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    /// <summary>Names of requests whose output differs from the golden greedy ids (empty when all match).</summary>
    public static IReadOnlyList<string> Mismatches(IEnumerable<SplitOutcome> outcomes)
        => outcomes.Where(o => o.Output == null || !o.Output.SequenceEqual(o.Request.Case.GreedyIds))
            .Select(o => $"{o.Request.Case.Name}: {(o.Output == null ? $"failed ({o.SenderError?.Message ?? o.ReceiverError?.Message})" : "output differs")}")
            .ToList();

    public async ValueTask DisposeAsync()
    {
        await Sender.DisposeAsync();
        await _server.DisposeAsync();
        Receiver.Dispose();
        Prompt.Dispose();
        Token.Dispose();
        Weights.Dispose();
    }
}
