using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway;

/// <summary>The official OpenAI .NET SDK against a real gateway on 127.0.0.1.</summary>
[Trait("Category", "Integration")]
public class OpenAiClientTests
{
    private static OpenAIClient Client(GatewayServer server) =>
        new(new ApiKeyCredential("sk-local"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });

    [Fact]
    public async Task Chat_streaming_with_usage_completions_and_an_error_through_the_sdk()
    {
        await using var server = await ChatApiTests.ChatServerAsync();
        var client = Client(server);
        var chat = client.GetChatClient("stories260k");
        ChatMessage[] messages = [new SystemChatMessage("Tell a story."), new UserChatMessage("Once upon a time")];
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 0 };

        ChatCompletion completion = await chat.CompleteChatAsync(messages, options);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.False(string.IsNullOrEmpty(completion.Content[0].Text));
        Assert.Equal(12, completion.Usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);

        var streamed = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
        {
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            usage ??= update.Usage;
        }
        Assert.Equal(completion.Content[0].Text, streamed.ToString());
        Assert.NotNull(usage);
        Assert.Equal(12, usage!.OutputTokenCount);
        Assert.Equal(completion.Usage.InputTokenCount, usage.InputTokenCount);

        // The SDK has no public legacy-completions client, so send /v1/completions through its own pipeline.
        var pipeline = chat.Pipeline;
        var message = pipeline.CreateMessage();
        message.Request.Method = "POST";
        message.Request.Uri = new Uri(server.BaseAddress, "v1/completions");
        message.Request.Headers.Set("Content-Type", "application/json");
        message.Request.Content = BinaryContent.Create(BinaryData.FromObjectAsJson(new { model = "stories260k", prompt = "Once upon a time", max_tokens = 8, temperature = 0 }));
        await pipeline.SendAsync(message);
        Assert.Equal(200, message.Response!.Status);
        var json = JsonNode.Parse(message.Response.Content.ToString())!;
        Assert.Equal(8, (int)json["usage"]!["completion_tokens"]!);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.GetChatClient("no-such-model").CompleteChatAsync(messages, options));
        Assert.Equal(404, error.Status);
        Assert.Contains("no-such-model", error.Message);
    }
}
