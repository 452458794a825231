using Splitwise.Engine.Sampling;

namespace Splitwise.Tests.Engine.Sampling;

public class SamplerTests
{
    private static readonly float[] Logits = [1f, 3f, 2f, 3f, -1f, 0.5f];

    [Fact]
    public void Greedy_takes_the_first_maximum()
    {
        var t = new Sampler().Sample(Logits, new SamplingParams { Temperature = 0 }, [], [], new Random(1));
        Assert.Equal(1, t.Id);
    }

    [Fact]
    public void Same_seed_gives_the_same_draws_and_different_seeds_differ()
    {
        var p = new SamplingParams { Temperature = 1.5f };
        var logits = Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i)).ToArray();
        int[] Draw(int seed) { var r = new Random(seed); var s = new Sampler(); return Enumerable.Range(0, 40).Select(_ => s.Sample(logits, p, [], [], r).Id).ToArray(); }
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }

    [Fact]
    public void Top_k_one_and_tiny_top_p_behave_like_greedy()
    {
        var r = new Random(3);
        var s = new Sampler();
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(1, s.Sample(Logits, new SamplingParams { TopK = 1 }, [], [], r).Id);
            Assert.Contains(s.Sample(Logits, new SamplingParams { TopP = 0.01f }, [], [], r).Id, new[] { 1, 3 });
        }
    }

    [Fact]
    public void Top_k_keeps_only_the_k_most_likely()
    {
        var r = new Random(5);
        var s = new Sampler();
        var seen = new HashSet<int>();
        for (int i = 0; i < 400; i++) seen.Add(s.Sample(Logits, new SamplingParams { TopK = 3, Temperature = 5 }, [], [], r).Id);
        Assert.True(seen.SetEquals([1, 2, 3]), string.Join(",", seen));
    }

    [Fact]
    public void Min_p_drops_tokens_far_below_the_top()
    {
        var r = new Random(5);
        var s = new Sampler();
        var seen = new HashSet<int>();
        // p(0)/p(1) = e^-2 ≈ 0.135 < 0.2: token 0 is dropped; tokens 1 and 3 tie at the top, 2 is at e^-1 ≈ 0.37.
        for (int i = 0; i < 400; i++) seen.Add(s.Sample(Logits, new SamplingParams { MinP = 0.2f }, [], [], r).Id);
        Assert.True(seen.SetEquals([1, 2, 3]), string.Join(",", seen));
    }

    [Fact]
    public void Penalties_follow_openai_and_hugging_face_definitions()
    {
        var s = new Sampler();
        // Frequency: token 1 appeared twice → 3 − 2×1.0 = 1 < 3 (token 3 wins).
        Assert.Equal(3, s.Sample(Logits, new SamplingParams { Temperature = 0, FrequencyPenalty = 1 }, [], [1, 1], new Random(1)).Id);
        // Presence: once is enough to lose a tie.
        Assert.Equal(3, s.Sample(Logits, new SamplingParams { Temperature = 0, PresencePenalty = 0.1f }, [], [1], new Random(1)).Id);
        // Repetition over the prompt: positive logits are divided: 3/2 = 1.5 < 2.
        Assert.Equal(2, s.Sample(Logits, new SamplingParams { Temperature = 0, RepetitionPenalty = 2 }, [1, 3], [], new Random(1)).Id);
    }

    [Fact]
    public void Logprobs_are_normalised_and_top_list_is_sorted()
    {
        var t = new Sampler().Sample(Logits, new SamplingParams { Temperature = 0, Logprobs = 3 }, [], [], new Random(1));
        double z = Logits.Sum(l => Math.Exp(l));
        Assert.Equal(Math.Log(Math.Exp(3) / z), t.Logprob, 4);
        Assert.NotNull(t.TopLogprobs);
        Assert.Equal(3, t.TopLogprobs!.Count);
        Assert.Equal([1, 3, 2], t.TopLogprobs.Select(x => x.Id).ToArray());
        Assert.True(t.TopLogprobs[0].Logprob >= t.TopLogprobs[2].Logprob);
    }

    [Fact]
    public void Suppressed_tokens_are_never_chosen()
    {
        var t = new Sampler().Sample(Logits, new SamplingParams { Temperature = 0 }, [], [], new Random(1), suppressed: [1, 3]);
        Assert.Equal(2, t.Id);
    }

    [Theory]
    [InlineData(-0.1f, 1f, 0f)]
    [InlineData(1f, 0f, 0f)]
    [InlineData(1f, 1.5f, 0f)]
    [InlineData(1f, 1f, 3f)]
    public void Out_of_range_parameters_are_rejected(float temperature, float topP, float frequency)
    {
        Assert.Throws<ArgumentException>(() => new SamplingParams { Temperature = temperature, TopP = topP, FrequencyPenalty = frequency }.Validate());
    }
}
