using System.Text.Json;
using Splitwise.Engine.Tokenization;

namespace Splitwise.Tests.Engine.Tokenization;

public class ChatTemplateTests
{
    public static TheoryData<int, string, string> Cases => ChatTemplateFixtures.All();

    [Theory, MemberData(nameof(Cases))]
    public void Model_templates_render_like_python_jinja2(int index, string template, string caseName)
    {
        var c = ChatTemplateFixtures.Case(index);
        var variables = c.GetProperty("variables").EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        var rendered = ChatTemplate.Parse(ChatTemplateFixtures.Template(template), template).Render(variables);
        Assert.True(c.GetProperty("expected").GetString() == rendered, $"{template}/{caseName} rendered:\n{rendered}");
    }

    public static TheoryData<int> Llama3Chats => new() { 0, 1 };

    [Theory, MemberData(nameof(Llama3Chats))]
    public void Llama3_golden_chats_render_byte_identical_text_and_ids(int index)
    {
        var tokenizer = SharedTokenizers.Get("llama3");
        var chat = SharedTokenizers.Golden("llama3").GetProperty("chat")[index];
        var messages = chat.GetProperty("messages").EnumerateArray().Select(m => (object?)m).ToList();
        var text = tokenizer.ApplyChatTemplate(messages, chat.GetProperty("add_generation_prompt").GetBoolean());
        Assert.Equal(chat.GetProperty("text").GetString(), text);
        Assert.Equal(SharedTokenizers.Ints(chat.GetProperty("ids")), tokenizer.Encode(text, addSpecialTokens: false));
    }

    [Fact]
    public void Qwen3_tokenizer_config_template_renders_and_encodes_special_tokens()
    {
        var tokenizer = SharedTokenizers.Get("qwen3");
        var text = tokenizer.ApplyChatTemplate([new Dictionary<string, object?> { ["role"] = "user", ["content"] = "hi" }], addGenerationPrompt: true,
            extraVariables: new Dictionary<string, object?> { ["enable_thinking"] = false });
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", text);
        var ids = tokenizer.Encode(text, addSpecialTokens: false);
        Assert.Equal(151644, ids[0]);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Raise_exception_reports_the_templates_message()
    {
        var t = ChatTemplate.Parse(ChatTemplateFixtures.Template("mistral"));
        var e = Assert.Throws<ChatTemplateException>(() => t.Render(new Dictionary<string, object?>
        {
            ["messages"] = new List<object?> { new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = "x" } },
            ["bos_token"] = "<s>", ["eos_token"] = "</s>",
        }));
        Assert.Contains("Conversation roles must alternate", e.Message);
    }

    [Theory]
    [InlineData("hello\n{% include 'other.jinja' %}", "line 2", "include")]
    [InlineData("{% extends 'base' %}", "line 1", "extends")]
    [InlineData("a\nb\n{{ x | no_such_filter }}", "line 3", "no_such_filter")]
    [InlineData("{% if x is no_such_test %}{% endif %}", "line 1", "no_such_test")]
    [InlineData("{% for x in y %}\nno end", "line 2", "endfor")]
    [InlineData("{{ unclosed", "line 1", "'}}'")]
    [InlineData("{% if a %}{% else %}{% else %}{% endif %}", "line 1", "else")]
    [InlineData("{{ 'unterminated }}", "line 1", "unterminated string")]
    [InlineData("{% for x in y recursive %}{% endfor %}", "line 1", "recursive")]
    public void Unsupported_or_malformed_templates_fail_at_parse_naming_the_line(string source, string line, string detail)
    {
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(source, "test template"));
        Assert.Contains("test template", e.Message);
        Assert.Contains(line, e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Theory]
    [InlineData("ok\n\n{{ missing.attr }}", "line 3", "undefined")]
    [InlineData("{{ 'a' + 1 }}", "line 1", "unsupported operand")]
    [InlineData("{% set x.y = 1 %}", "line 1", "namespace")]
    [InlineData("{{ 1 // 0 }}", "line 1", "division by zero")]
    [InlineData("{% for a, b in {'k': 1} %}{% endfor %}", "line 1", ".items()")]
    public void Runtime_errors_name_the_line(string source, string line, string detail)
    {
        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(source).Render(new Dictionary<string, object?>()));
        Assert.Contains(line, e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void Trim_blocks_and_lstrip_blocks_follow_transformers_settings()
    {
        var t = ChatTemplate.Parse("A\n    {% if true %}\n  B\n    {% endif %}\nC {% if true %}D{% endif %}  E\n{#- c #}F");
        Assert.Equal("A\n  B\nC D  EF", t.Render(new Dictionary<string, object?>()));
    }

    [Fact]
    public void Strftime_now_reads_the_clock()
    {
        var t = ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}").WithClock(() => new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal("21 Nov 2026", t.Render(new Dictionary<string, object?>()));
    }

    [Fact]
    public void Named_template_lists_in_tokenizer_config_are_read()
    {
        var tokenizerJson = File.ReadAllText(Support.SharedData.Path("models", "stories260k", "tokenizer.json"));
        var config = JsonSerializer.Serialize(new
        {
            bos_token = "<s>",
            eos_token = "</s>",
            chat_template = new object[] { new { name = "default", template = "{{ bos_token }}{{ messages[0].content }}" }, new { name = "tool_use", template = "T{{ tools | length }}" } },
        });
        var tokenizer = Tokenizer.FromJson(tokenizerJson, config);
        Assert.Equal(["default", "tool_use"], tokenizer.ChatTemplates.Keys.Order());
        Assert.Equal("<s>hi", tokenizer.ApplyChatTemplate([new Dictionary<string, object?> { ["role"] = "user", ["content"] = "hi" }], false));
        Assert.Equal("T2", tokenizer.ApplyChatTemplate([], false, tools: [1, 2], templateName: "tool_use"));
    }
}
