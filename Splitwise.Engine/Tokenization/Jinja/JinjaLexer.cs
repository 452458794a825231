using System.Globalization;
using System.Text;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>
/// Splits a template into text and tag tokens with the whitespace rules transformers renders chat templates
/// with: trim_blocks and lstrip_blocks on, plus "-" and "+" modifiers on tags.
/// </summary>
internal sealed class JinjaLexer(string source)
{
    private readonly List<JinjaToken> _tokens = [];
    private int _pos;
    private int _line = 1;

    public List<JinjaToken> Tokenize()
    {
        var text = new StringBuilder();
        int textLine = 1;
        bool stripNextText = false;   // a "-" on the previous tag's end
        bool trimNextNewline = false; // trim_blocks after a block or comment tag
        while (_pos < source.Length)
        {
            int open = FindTagStart(_pos);
            string chunk = source[_pos..(open < 0 ? source.Length : open)];
            if (trimNextNewline)
            {
                if (chunk.StartsWith("\r\n", StringComparison.Ordinal)) { chunk = chunk[2..]; _line++; }
                else if (chunk.StartsWith('\n')) { chunk = chunk[1..]; _line++; }
            }
            if (stripNextText)
            {
                int k = 0;
                while (k < chunk.Length && char.IsWhiteSpace(chunk[k])) { if (chunk[k] == '\n') _line++; k++; }
                chunk = chunk[k..];
            }
            if (text.Length == 0) textLine = _line;
            text.Append(chunk);
            _line += Count(chunk, '\n');
            _pos = open < 0 ? source.Length : open;
            if (open < 0) break;

            char kind = source[open + 1];
            char modifier = open + 2 < source.Length ? source[open + 2] : '\0';
            int bodyStart = open + 2 + (modifier is '-' or '+' ? 1 : 0);
            if (modifier == '-') TrimEndWhitespace(text);
            else if (kind != '{' && modifier != '+') StripLineIndent(text, open);
            FlushText(text, textLine);

            if (kind == '#')
            {
                int close = source.IndexOf("#}", bodyStart, StringComparison.Ordinal);
                if (close < 0) throw new ChatTemplateException($"line {_line}: unterminated comment");
                _line += Count(source.AsSpan(open, close - open), '\n');
                stripNextText = source[close - 1] == '-';
                trimNextNewline = source[close - 1] != '+';
                _pos = close + 2;
                continue;
            }
            _tokens.Add(new JinjaToken(kind == '{' ? JinjaTokenKind.OutputBegin : JinjaTokenKind.StatementBegin, "", _line));
            int startCount = _tokens.Count;
            _pos = bodyStart;
            char endModifier = LexExpression(kind == '{' ? "}}" : "%}");
            _tokens.Add(new JinjaToken(kind == '{' ? JinjaTokenKind.OutputEnd : JinjaTokenKind.StatementEnd, "", _line));
            stripNextText = endModifier == '-';
            trimNextNewline = kind == '%' && endModifier != '+';
            if (kind == '%' && _tokens.Count == startCount + 2 && _tokens[startCount].IsName("raw")) LexRaw(ref stripNextText, ref trimNextNewline);
        }
        FlushText(text, textLine);
        _tokens.Add(new JinjaToken(JinjaTokenKind.End, "", _line));
        return _tokens;
    }

    private int FindTagStart(int from)
    {
        for (int i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
            if (source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    private static int Count(ReadOnlySpan<char> s, char c) => s.Count(c);

    private void FlushText(StringBuilder text, int line)
    {
        if (text.Length > 0) _tokens.Add(new JinjaToken(JinjaTokenKind.Text, text.ToString(), line));
        text.Clear();
    }

    private static void TrimEndWhitespace(StringBuilder text)
    {
        int n = text.Length;
        while (n > 0 && char.IsWhiteSpace(text[n - 1])) n--;
        text.Length = n;
    }

    /// <summary>lstrip_blocks: spaces and tabs between the start of a line and a block tag go.</summary>
    private void StripLineIndent(StringBuilder text, int tagStart)
    {
        int k = tagStart;
        while (k > 0 && source[k - 1] is ' ' or '\t') k--;
        if (k > 0 && source[k - 1] != '\n') return;
        text.Length = Math.Max(0, text.Length - (tagStart - k));
    }

    /// <summary>{% raw %}...{% endraw %}: the body is text, verbatim.</summary>
    private void LexRaw(ref bool stripNextText, ref bool trimNextNewline)
    {
        _tokens.RemoveRange(_tokens.Count - 3, 3);
        var m = System.Text.RegularExpressions.Regex.Match(source[_pos..], @"\{%[-+]?\s*endraw\s*[-+]?%\}");
        if (!m.Success) throw new ChatTemplateException($"line {_line}: {{% raw %}} without {{% endraw %}}");
        string body = source.Substring(_pos, m.Index);
        if (trimNextNewline && body.StartsWith('\n')) body = body[1..];
        if (stripNextText) body = body.TrimStart();
        if (m.Value.StartsWith("{%-", StringComparison.Ordinal)) body = body.TrimEnd();
        if (body.Length > 0) _tokens.Add(new JinjaToken(JinjaTokenKind.Text, body, _line));
        _line += Count(source.AsSpan(_pos, m.Index + m.Length), '\n');
        stripNextText = m.Value.EndsWith("-%}", StringComparison.Ordinal);
        trimNextNewline = !m.Value.EndsWith("+%}", StringComparison.Ordinal);
        _pos += m.Index + m.Length;
    }

    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "=", "!"];

    /// <summary>Lexes tag contents up to the closing delimiter; returns the modifier before it ('-', '+' or '\0').</summary>
    private char LexExpression(string close)
    {
        while (true)
        {
            if (_pos >= source.Length) throw new ChatTemplateException($"line {_line}: tag not closed with '{close}'");
            char c = source[_pos];
            if (c == '\n') { _line++; _pos++; continue; }
            if (char.IsWhiteSpace(c)) { _pos++; continue; }
            if ((c is '-' or '+') && string.CompareOrdinal(source, _pos + 1, close, 0, 2) == 0) { _pos += 3; return c; }
            if (string.CompareOrdinal(source, _pos, close, 0, 2) == 0) { _pos += 2; return '\0'; }
            if (c is '"' or '\'') { _tokens.Add(new JinjaToken(JinjaTokenKind.String, ReadString(c), _line)); continue; }
            if (char.IsAsciiDigit(c)) { ReadNumber(); continue; }
            if (char.IsLetter(c) || c == '_')
            {
                int s = _pos;
                while (_pos < source.Length && (char.IsLetterOrDigit(source[_pos]) || source[_pos] == '_')) _pos++;
                _tokens.Add(new JinjaToken(JinjaTokenKind.Name, source[s.._pos], _line));
                continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(source, _pos, o, 0, o.Length) == 0)
                ?? throw new ChatTemplateException($"line {_line}: unexpected character '{c}' in a tag");
            _tokens.Add(new JinjaToken(JinjaTokenKind.Operator, op, _line));
            _pos += op.Length;
        }
    }

    private string ReadString(char quote)
    {
        var sb = new StringBuilder();
        int startLine = _line;
        _pos++;
        while (true)
        {
            if (_pos >= source.Length) throw new ChatTemplateException($"line {startLine}: unterminated string");
            char c = source[_pos++];
            if (c == quote) return sb.ToString();
            if (c == '\n') _line++;
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= source.Length) throw new ChatTemplateException($"line {startLine}: unterminated string");
            char e = source[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case '0': sb.Append('\0'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'u' when _pos + 4 <= source.Length:
                    sb.Append((char)int.Parse(source.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)); _pos += 4; break;
                case 'x' when _pos + 2 <= source.Length:
                    sb.Append((char)int.Parse(source.AsSpan(_pos, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)); _pos += 2; break;
                case '\n': _line++; break;
                default: sb.Append('\\').Append(e); break; // Python keeps unknown escapes
            }
        }
    }

    private void ReadNumber()
    {
        int s = _pos;
        while (_pos < source.Length && (char.IsAsciiDigit(source[_pos]) || source[_pos] == '_')) _pos++;
        bool isFloat = false;
        if (_pos + 1 < source.Length && source[_pos] == '.' && char.IsAsciiDigit(source[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            while (_pos < source.Length && char.IsAsciiDigit(source[_pos])) _pos++;
        }
        if (_pos < source.Length && source[_pos] is 'e' or 'E')
        {
            int save = _pos++;
            if (_pos < source.Length && source[_pos] is '+' or '-') _pos++;
            if (_pos < source.Length && char.IsAsciiDigit(source[_pos])) { isFloat = true; while (_pos < source.Length && char.IsAsciiDigit(source[_pos])) _pos++; }
            else _pos = save;
        }
        _tokens.Add(new JinjaToken(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, source[s.._pos].Replace("_", ""), _line));
    }
}
