using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Splitwise.Engine.Tokenization;
using Splitwise.Tests.Engine.Tokenization;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway;

/// <summary>Chat completions on stories260k with a ChatML template supplied by --chat-template.</summary>
[Trait("Category", "Integration")]
public class ChatApiTests
{
    internal static Task<GatewayServer> ChatServerAsync() => GatewayServer.StoriesAsync(o => o with
    {
        ChatTemplateFile = Path.Combine(ChatTemplateFixtures.Folder, "smollm2.jinja"),
    });

    private static readonly object[] Messages = [new { role = "system", content = "Tell a story." }, new { role = "user", content = "Once upon a time" }];

    [Fact]
    public async Task Chat_renders_the_template_and_returns_what_the_same_prompt_gives_as_completion()
    {
        await using var server = await ChatServerAsync();
        var chat = await CompletionsApiTests.PostAsync(server, "/v1/chat/completions", new { messages = Messages, max_completion_tokens = 12, temperature = 0, ignore_eos = true });
        Assert.Equal("chat.completion", (string?)chat["object"]);
        Assert.StartsWith("chatcmpl-", (string?)chat["id"]);
        var message = chat["choices"]![0]!["message"]!;
        Assert.Equal("assistant", (string?)message["role"]);
        Assert.Equal(12, (int)chat["usage"]!["completion_tokens"]!);

        var tokenizer = Tokenizer.Load(SharedData.Stories260K);
        var template = ChatTemplate.Parse(ChatTemplateFixtures.Template("smollm2"));
        var rendered = template.Render(new Dictionary<string, object?>
        {
            ["messages"] = new List<object?>
            {
                new Dictionary<string, object?> { ["role"] = "system", ["content"] = "Tell a story." },
                new Dictionary<string, object?> { ["role"] = "user", ["content"] = "Once upon a time" },
            },
            ["add_generation_prompt"] = true,
        });
        Assert.Contains("<|im_start|>assistant\n", rendered);
        var ids = tokenizer.Encode(rendered, addSpecialTokens: false);
        Assert.Equal(ids.Length, (int)chat["usage"]!["prompt_tokens"]!);
        var completion = await CompletionsApiTests.PostAsync(server, "/v1/completions", new { prompt = ids, max_tokens = 12, temperature = 0, ignore_eos = true });
        Assert.Equal((string?)completion["choices"]![0]!["text"], (string?)message["content"]);
    }

    [Fact]
    public async Task Chat_stream_starts_with_the_role_and_concatenates_to_the_whole_message()
    {
        await using var server = await ChatServerAsync();
        var events = await CompletionsApiTests.StreamAsync(server, "/v1/chat/completions",
            new { messages = Messages, max_tokens = 16, temperature = 0, stream = true, stream_options = new { include_usage = true } });
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        Assert.All(chunks.Skip(1).Where(c => c["choices"]!.AsArray().Count > 0), c => Assert.Null(c["choices"]![0]!["delta"]!["role"]));
        var usage = chunks[^1]["usage"]!;
        Assert.Equal(16, (int)usage["completion_tokens"]!);
        string streamed = string.Concat(chunks.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => (string?)c["choices"]![0]!["delta"]!["content"]));
        var whole = await CompletionsApiTests.PostAsync(server, "/v1/chat/completions", new { messages = Messages, max_tokens = 16, temperature = 0 });
        Assert.Equal((string?)whole["choices"]![0]!["message"]!["content"], streamed);
    }

    [Fact]
    public async Task Chat_logprobs_have_the_chat_shape()
    {
        await using var server = await ChatServerAsync();
        var chat = await CompletionsApiTests.PostAsync(server, "/v1/chat/completions", new { messages = Messages, max_tokens = 3, temperature = 0, logprobs = true, top_logprobs = 2 });
        var content = chat["choices"]![0]!["logprobs"]!["content"]!.AsArray();
        Assert.Equal(3, content.Count);
        foreach (var entry in content)
        {
            Assert.NotNull((string?)entry!["token"]);
            Assert.InRange((double)entry["logprob"]!, -50, 0);
            Assert.NotNull(entry["bytes"]!.AsArray());
            Assert.Equal(2, entry["top_logprobs"]!.AsArray().Count);
        }
    }

    [Fact]
    public async Task Content_parts_are_joined_and_bad_messages_are_400()
    {
        await using var server = await ChatServerAsync();
        var parts = new[] { new { role = "user", content = new object[] { new { type = "text", text = "Once upon " }, new { type = "text", text = "a time" } } } };
        var plain = new[] { new { role = "user", content = "Once upon a time" } };
        var a = await CompletionsApiTests.PostAsync(server, "/v1/chat/completions", new { messages = parts, max_tokens = 8, temperature = 0 });
        var b = await CompletionsApiTests.PostAsync(server, "/v1/chat/completions", new { messages = plain, max_tokens = 8, temperature = 0 });
        Assert.Equal((string?)b["choices"]![0]!["message"]!["content"], (string?)a["choices"]![0]!["message"]!["content"]);

        var cases = new (object Body, string Param)[]
        {
            (new { messages = Array.Empty<object>() }, "messages"),
            (new { messages = new[] { new { role = "wizard", content = "x" } } }, "messages[0].role"),
            (new { messages = new[] { new { content = "x" } } }, "messages[0].role"),
            (new { messages = new object[] { new { role = "user", content = new object[] { new { type = "image_url", image_url = new { url = "http://x" } } } } } }, "messages[0].content"),
            (new { messages = plain, top_logprobs = 2 }, "top_logprobs"),
        };
        foreach (var (body, param) in cases)
        {
            var response = await server.Client.PostAsJsonAsync("/v1/chat/completions", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(param, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["param"]);
        }
    }
}
