using Splitwise.Silo.KvTransfer;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Silo;

/// <summary>
/// Prompt engine → sender → (in-memory pipes | loopback TCP) → receiver → token engine, for every stories260k golden
/// prompt at once on one connection: the token engine's greedy output must be exactly the golden ids, both when
/// layers stream during a chunked prefill and when the KV goes in one send after it.
/// </summary>
[Trait("Category", "Integration")]
public class KvSplitEndToEndTests
{
    public static TheoryData<KvLink, string> Modes() => new()
    {
        { KvLink.InMemory, "layerwise" },
        { KvLink.InMemory, "one-shot" },
        { KvLink.Tcp, "layerwise" },
        { KvLink.Tcp, "one-shot" },
    };

    [Theory, MemberData(nameof(Modes))]
    public async Task Every_golden_prompt_decodes_to_the_reference_after_its_KV_crosses(KvLink link, string mode)
    {
        bool layerwise = mode == "layerwise";
        // Layerwise: every prompt streams per layer, and 64-token steps cut the long prompt into chunks, so each layer
        // is sent several times. One-shot: the default threshold (512) holds every prompt until its prefill ends.
        var options = layerwise ? new KvTransferOptions { LayerwiseMinTokens = 1, MaxFrameBytes = 4096 } : new KvTransferOptions();
        await using var rig = KvSplitRig.Create(link, options, maxBatchedTokens: layerwise ? 64 : 512);
        var requests = KvSplitRig.Cases.Select(c => rig.Start(c)).ToList();

        // Bytes on the wire after the first prefill step, before any transfer was completed (layerwise: waited for).
        long sentDuringPrefill = -1;
        var outcomes = await rig.RunAsync(TimeSpan.FromSeconds(60), afterPromptStep: step =>
        {
            if (step != 0) return;
            if (layerwise) SpinWait.SpinUntil(() => rig.Sender.Stats.BytesSent > KvFrameCodec.HeaderBytes, TimeSpan.FromSeconds(10));
            sentDuringPrefill = rig.Sender.Stats.BytesSent;
        });

        Assert.Empty(KvSplitRig.Mismatches(outcomes));
        Assert.Equal(KvSplitRig.Cases.Single(c => c.Name == "park").GreedyIds, rig.Background.Output);
        Assert.All(outcomes, o => Assert.Equal(o.Request.Case.GreedyIds[0], o.Request.Prefill.Output[0]));

        long kvBytes = requests.Sum(r => 2L * rig.Weights.Config.LayerCount * r.Case.PromptIds.Length * rig.Token.Cache.KvHeadCount * rig.Token.Cache.HeadDim * 4);
        var sent = rig.Sender.Stats;
        var received = rig.Receiver.Stats;
        Assert.Equal(requests.Count, sent.Transfers);
        Assert.Equal(requests.Count, received.Transfers);
        Assert.Equal((0L, 0L, 0L), (sent.TransfersFailed, received.TransfersFailed, received.FramesRejected));
        Assert.True(sent.BytesSent > kvBytes && sent.BytesSent == received.BytesReceived, $"sent {sent.BytesSent}, received {received.BytesReceived}, KV {kvBytes}");
        Assert.Equal(sent.BytesSent, outcomes.Sum(o => o.Report!.Bytes) + KvFrameCodec.HeaderBytes); // frames + one Hello
        if (layerwise)
        {
            // Streaming: frames left during the first prefill step, before any End; the long prompt took several frames per layer.
            Assert.True(sentDuringPrefill > KvFrameCodec.HeaderBytes, $"{sentDuringPrefill} bytes sent during the first step");
            var longest = outcomes.Single(o => o.Request.Case.Name == "long").Report!;
            Assert.True(longest.Frames >= 3 * rig.Weights.Config.LayerCount + 1, $"{longest.Frames} frames");
            Assert.True(longest.Total >= longest.NonOverlapped);
        }
        else
        {
            Assert.Equal(0, sentDuringPrefill); // nothing queued, so not even connected yet
            Assert.All(outcomes, o => Assert.Equal(rig.Weights.Config.LayerCount + 1, o.Report!.Frames));
        }
    }

    [Fact]
    public async Task A_prefill_that_reuses_cached_prefix_blocks_still_sends_the_whole_prompt()
    {
        // The second round's prompts find their full blocks in the prompt engine's prefix cache, so its first chunk
        // starts past token 0: those tokens were never written in this prefill and must be copied from the cache.
        var options = new KvTransferOptions { LayerwiseMinTokens = 1 };
        await using var rig = KvSplitRig.Create(KvLink.InMemory, options, maxBatchedTokens: 64, promptPrefixCaching: true);
        foreach (var round in new[] { "first", "second" })
        {
            foreach (var c in KvSplitRig.Cases) rig.Start(c);
            var outcomes = await rig.RunAsync(TimeSpan.FromSeconds(60));
            Assert.True(KvSplitRig.Mismatches(outcomes) is [], $"{round} round: {string.Join("; ", KvSplitRig.Mismatches(outcomes))}");
        }
        Assert.True(rig.Prompt.PrefixHitRate > 0);
    }
}
