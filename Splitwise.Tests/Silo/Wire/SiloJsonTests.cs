using System.Text.Json;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;

namespace Splitwise.Tests.Silo.Wire;

/// <summary>The gateway↔silo messages survive JSON exactly: a greedy split must not change by one bit on the way.</summary>
public class SiloJsonTests
{
    private static T RoundTrip<T>(T value) where T : class => SiloJson.Deserialize<T>(SiloJson.Serialize(value));

    // Floats that a lossy writer gets wrong: subnormal, extremes, values needing 9 significant digits, signed zero, -inf.
    private static readonly float[] HardFloats =
        [float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1f / 3f, -2.7182817f, 0.1f, 16777217f, -0f, float.NegativeInfinity, -1.0000001f];

    [Fact]
    public void Sampled_tokens_keep_every_logprob_bit_for_bit()
    {
        foreach (var f in HardFloats)
        {
            var token = new SampledToken(511, f, [new TokenLogprob(3, f), new TokenLogprob(0, -f), new TokenLogprob(int.MaxValue, float.NegativeInfinity)]);
            var back = RoundTrip(new GenerationEvent(7, token, null)).Token!.Value;
            Assert.Equal(511, back.Id);
            Assert.Equal(BitConverter.SingleToInt32Bits(f), BitConverter.SingleToInt32Bits(back.Logprob));
            Assert.Equal(token.TopLogprobs!.Select(t => (t.Id, BitConverter.SingleToInt32Bits(t.Logprob))),
                         back.TopLogprobs!.Select(t => (t.Id, BitConverter.SingleToInt32Bits(t.Logprob))));
        }
    }

    [Fact]
    public void Events_keep_index_finish_and_a_missing_token()
    {
        var finishOnly = RoundTrip(new GenerationEvent(31, null, FinishReason.Length));
        Assert.Equal(31, finishOnly.Index);
        Assert.Null(finishOnly.Token);
        Assert.Equal(FinishReason.Length, finishOnly.Finish);
        var withToken = RoundTrip(new GenerationEvent(0, new SampledToken(2, -0.5f, null), FinishReason.Stop));
        Assert.Null(withToken.Token!.Value.TopLogprobs);
        Assert.Equal(FinishReason.Stop, withToken.Finish);
        Assert.Contains("\"finish\":\"stop\"", SiloJson.Serialize(withToken));
    }

    [Fact]
    public void Sampling_params_round_trip_with_every_field_set()
    {
        var sampling = new SamplingParams
        {
            Temperature = 0.7000001f, TopK = 40, TopP = 0.95f, MinP = 0.05f, FrequencyPenalty = -1.5f, PresencePenalty = 0.3333333f,
            RepetitionPenalty = 1.1f, Seed = long.MinValue + 1, StopTokenIds = [2, 13, 511], IgnoreEos = true, MinTokens = 3, MaxTokens = 300, Logprobs = 5,
        };
        var order = RoundTrip(new GenerateOrder(long.MaxValue, [1, 2, 3], [4, 5], sampling));
        Assert.Equal(long.MaxValue, order.RequestId);
        Assert.Equal([1, 2, 3], order.Prompt);
        Assert.Equal([4, 5], order.OutputSoFar);
        var back = order.Sampling;
        // Records compare lists by reference, so the list is checked apart and the rest with the record's own equality.
        Assert.Equal(sampling.StopTokenIds, back.StopTokenIds);
        Assert.Equal(sampling with { StopTokenIds = [] }, back with { StopTokenIds = [] });
        Assert.Equal(BitConverter.SingleToInt32Bits(sampling.Temperature), BitConverter.SingleToInt32Bits(back.Temperature));
        Assert.Null(RoundTrip(new GenerateOrder(1, [1], [], new SamplingParams())).Sampling.Seed);
    }

    [Fact]
    public void Handoff_messages_round_trip()
    {
        var prefill = RoundTrip(new PrefillOrder(9, [1, 5], new SamplingParams { Temperature = 0 }, new KvHandoff(new MachineId("token-0"), "127.0.0.1:4000", 9)));
        Assert.Equal(new MachineId("token-0"), prefill.Handoff.Target);
        Assert.Equal("127.0.0.1:4000", prefill.Handoff.KvEndpoint);
        Assert.Contains("\"target\":\"token-0\"", SiloJson.Serialize(prefill));

        var timing = new PrefillTiming(TimeSpan.FromTicks(1234567), TimeSpan.FromTicks(1), TimeSpan.Zero, 1L << 40);
        var result = RoundTrip(new PrefillResult(new SampledToken(8, -0.25f, null), FinishReason.Stop, timing));
        Assert.Equal(timing, result.Timing);
        Assert.Equal(FinishReason.Stop, result.Finish);

        var grant = new KvReservationGrant(false, "h:1", TimeSpan.FromMilliseconds(1500.5), "No free KV blocks");
        Assert.Equal(grant, RoundTrip(grant));
        Assert.Equal(new DecodeOrder(3, new SampledToken(4, 0f, null)), RoundTrip(new DecodeOrder(3, new SampledToken(4, 0f, null))));
    }

    [Fact]
    public void Loads_and_registrations_round_trip()
    {
        var transfer = new KvTransferStats(1, 2, 3, 4, 5, TimeSpan.FromTicks(6), TimeSpan.FromTicks(7), 8);
        var load = new MachineLoad(1, 2, 3, 4, 5, 6, 0.123456789, 10) { PendingPromptTokens = 11, AwaitingKv = 12, Transfer = transfer };
        Assert.Equal(load, RoundTrip(load));
        var registration = new MachineRegistration(new MachineId("mixed-a"), MachineRole.Mixed, "http://127.0.0.1:1", "127.0.0.1:2", "abc",
                                                   new ModelShape(5, 64, 4, 8, 512, 512), 1000, load);
        Assert.Equal(registration, RoundTrip(registration));
        Assert.Contains("\"role\":\"mixed\"", SiloJson.Serialize(registration));
    }

    [Theory]
    [InlineData("""{"request_id":1,"prompt":null,"output_so_far":[],"sampling":{}}""", "prompt")]
    [InlineData("""{"request_id":1,"output_so_far":[],"sampling":{}}""", "prompt")]
    [InlineData("""{"request_id":1,"prompt":[1],"output_so_far":[],"sampling":{"temperature":"hot"}}""", "temperature")]
    [InlineData("""null""", "GenerateOrder")]
    public void Malformed_orders_are_refused_naming_the_field(string json, string named)
    {
        var error = Assert.ThrowsAny<JsonException>(() => SiloJson.Deserialize<GenerateOrder>(json));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Errors_map_back_to_the_exceptions_the_machine_interfaces_promise()
    {
        Assert.IsType<ArgumentException>(RoundTrip(ControlError.From(new ArgumentException("prompt too long"))).ToException("m"));
        var kv = Assert.IsType<KvTransferException>(RoundTrip(ControlError.From(new KvTransferException("lease expired", 77))).ToException("m"));
        Assert.Equal(77, kv.RequestId);
        Assert.Contains("lease expired", kv.Message);
        Assert.IsType<IOException>(ControlError.From(new InvalidOperationException("boom")).ToException("m"));
        Assert.Equal(400, ControlError.From(new ArgumentException("x")).Status);
        Assert.Equal(409, ControlError.From(new KvTransferException("x", 1)).Status);
    }
}
