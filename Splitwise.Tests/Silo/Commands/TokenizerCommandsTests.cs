using System.Text.Json;
using Splitwise.Silo.Cli;
using Splitwise.Silo.Commands;
using Splitwise.Tests.Engine.Tokenization;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Silo.Commands;

public class TokenizerCommandsTests
{
    private static string Run(params string[] args)
    {
        var output = new StringWriter();
        Assert.Equal(0, TokenizerCommands.Run(args[0], new CliArgs(args.Skip(1)), output));
        return output.ToString();
    }

    [Fact]
    public void Tokenize_prints_ids_as_json_with_and_without_special_tokens()
    {
        var dir = SharedData.Stories260K;
        using var plain = JsonDocument.Parse(Run("tokenize", "--tokenizer", dir, "--text", "Once upon a time", "--json"));
        Assert.Equal([403, 407, 261, 378], plain.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        using var special = JsonDocument.Parse(Run("tokenize", "--tokenizer", Path.Combine(dir, "tokenizer.json"), "--text", "Once upon a time", "--special", "--json"));
        Assert.Equal([1, 403, 407, 261, 378], special.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("1 403 407 261 378", Run("tokenize", "--tokenizer", dir, "--text", "Once upon a time", "--special").Trim());
    }

    [Fact]
    public void Tokenize_reads_a_text_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "naïve café résumé");
            using var doc = JsonDocument.Parse(Run("tokenize", "--tokenizer", SharedData.Path("tokenizers", "llama3"), "--text-file", file, "--json"));
            var golden = SharedTokenizers.Golden("llama3").GetProperty("cases").EnumerateArray().First(c => c.GetProperty("text").GetString() == "naïve café résumé");
            Assert.Equal(SharedTokenizers.Ints(golden.GetProperty("ids")), doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Detokenize_prints_text_as_json()
    {
        using var doc = JsonDocument.Parse(Run("detokenize", "--tokenizer", SharedData.Stories260K, "--ids", "1,403,407,261,378", "--json"));
        Assert.Equal("<s> Once upon a time", doc.RootElement.GetProperty("text").GetString());
        using var skipped = JsonDocument.Parse(Run("detokenize", "--tokenizer", SharedData.Stories260K, "--ids", "1,403,407,261,378", "--skip-special", "--json"));
        Assert.Equal("Once upon a time", skipped.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public void Chat_template_renders_the_llama3_golden_chat()
    {
        var chat = SharedTokenizers.Golden("llama3").GetProperty("chat")[1];
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, chat.GetProperty("messages").GetRawText());
            var text = Run("chat-template", "--tokenizer", SharedData.Path("tokenizers", "llama3"), "--messages-file", file, "--add-generation-prompt");
            Assert.Equal(chat.GetProperty("text").GetString(), text);
            using var json = JsonDocument.Parse(Run("chat-template", "--tokenizer", SharedData.Path("tokenizers", "llama3"), "--messages-file", file, "--add-generation-prompt", "--json"));
            Assert.Equal(SharedTokenizers.Ints(chat.GetProperty("ids")), json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData("tokenize --tokenizer {dir} --json", "exactly one of --text or --text-file")]
    [InlineData("tokenize --tokenizer {dir} --text a --txet b", "unknown option(s): --txet")]
    [InlineData("tokenize --tokenizer /no/such/tokenizer.json --text a", "not found")]
    [InlineData("detokenize --tokenizer {dir} --ids 1,99999", "99999 outside the vocabulary")]
    [InlineData("detokenize --tokenizer {dir} --ids 1,x", "'x' is not an integer")]
    [InlineData("chat-template --tokenizer {dir} --messages-file /no/such/file.json", "file not found")]
    public void Bad_input_is_a_cli_error(string commandLine, string detail)
    {
        var args = commandLine.Replace("{dir}", SharedData.Stories260K).Split(' ');
        var e = Assert.Throws<CliException>(() => TokenizerCommands.Run(args[0], new CliArgs(args.Skip(1)), new StringWriter()));
        Assert.Contains(detail, e.Message);
    }
}
