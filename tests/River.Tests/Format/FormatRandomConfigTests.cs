using System.Globalization;
using System.Text;
using River.Format;
using River.Syntax;

namespace River.Tests.Format;

/// <summary>
/// Random but valid configurations — every expression form, multi-line and single-line collections, raw strings,
/// comments on their own lines, trailing and inline, blank lines, odd indentation — must format to text that parses
/// to the same tree and comments, and that formats to itself. Seeds are fixed, so a failure is reproducible.
/// </summary>
public sealed class FormatRandomConfigTests
{
    /// <summary>The seeds of the generated files.</summary>
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 0; seed < 300; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomConfigFormatsToAnEquivalentFixedPoint(int seed)
    {
        var text = new ConfigGenerator(seed).File();
        var parsed = RiverParser.Parse("random.alloy", text);
        Assert.True(parsed.Success, "generator produced invalid input:\n" + string.Join('\n', parsed.Diagnostics) + "\n" + text);

        var once = RiverFormatter.Format(parsed.File!);
        var reparsed = RiverParser.Parse("formatted.alloy", once);
        Assert.True(reparsed.Success, "formatted text does not parse:\n" + string.Join('\n', reparsed.Diagnostics) + "\n--- input\n" + text + "\n--- output\n" + once);
        Assert.Equal(AstShape.Dump(parsed.File!), AstShape.Dump(reparsed.File!));

        var twice = RiverFormatter.Format(reparsed.File!);
        Assert.True(once == twice, "not idempotent\n--- input\n" + text + "\n--- once\n" + once + "\n--- twice\n" + twice);
    }

    /// <summary>Writes random valid River text.</summary>
    private sealed class ConfigGenerator(int seed)
    {
        private static readonly string[] Names = ["a", "bb", "target", "forward_to", "métrica", "x1", "very_long_attribute_name"];
        private static readonly string[] Operators = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "^"];
        private static readonly string[] Literals = ["0", "42", "010", "1.5", ".5", "1e3", "\"s\"", "\"esc\\n\\\"q\\\"\"", "true", "false", "null", "`raw`", "`multi\n  line\traw  `"];

        private readonly Random _random = new(seed);
        private readonly StringBuilder _sb = new();

        public string File()
        {
            Body(0, _random.Next(1, 8));
            return _sb.ToString();
        }

        private bool Chance(int percent) => _random.Next(100) < percent;

        private string Pick(string[] items) => items[_random.Next(items.Length)];

        private void Indent(int depth)
        {
            // Input indentation is deliberately irregular: the formatter must not care.
            for (var i = 0; i < depth; i++)
            {
                _sb.Append(Chance(50) ? "\t" : "  ");
            }

            if (Chance(10))
            {
                _sb.Append(' ');
            }
        }

        private void Body(int depth, int count)
        {
            for (var i = 0; i < count; i++)
            {
                if (Chance(20))
                {
                    _sb.Append('\n', _random.Next(1, 3));
                }

                if (Chance(20))
                {
                    Indent(depth);
                    _sb.Append(Chance(70) ? "// own line comment\n" : "/* own\n   line block */\n");
                }

                Indent(depth);
                if (depth < 3 && Chance(30))
                {
                    Block(depth);
                }
                else
                {
                    _sb.Append(Pick(Names)).Append(Chance(80) ? " = " : "=");
                    Expr(depth, 0);
                }

                if (Chance(20))
                {
                    _sb.Append(Chance(70) ? " // trailing" : " /* trailing block */");
                }

                _sb.Append('\n');
            }
        }

        private void Block(int depth)
        {
            var parts = _random.Next(1, 4);
            for (var p = 0; p < parts; p++)
            {
                _sb.Append(p == 0 ? string.Empty : ".").Append(Pick(["prometheus", "scrape", "beyla", "ebpf", "rule"]));
            }

            if (Chance(50))
            {
                _sb.Append(" \"label_").Append(_random.Next(10).ToString(CultureInfo.InvariantCulture)).Append('"');
            }

            if (Chance(25))
            {
                _sb.Append(Pick([" {}", " { }", " {\n}"]));
                return;
            }

            _sb.Append(" {");
            if (Chance(15))
            {
                _sb.Append(" // header");
            }

            _sb.Append('\n');
            Body(depth + 1, _random.Next(0, 5));
            Indent(depth);
            _sb.Append('}');
        }

        private void Expr(int depth, int level)
        {
            if (Chance(8))
            {
                _sb.Append("/* inline */ ");
            }

            var choice = level > 3 ? 0 : _random.Next(10);
            switch (choice)
            {
                case 0:
                case 1:
                    _sb.Append(Pick(Literals));
                    break;
                case 2:
                    _sb.Append(Pick(Names));
                    if (Chance(50))
                    {
                        _sb.Append('.').Append(Pick(Names));
                    }

                    if (Chance(30))
                    {
                        _sb.Append('[');
                        Expr(depth, level + 1);
                        _sb.Append(']');
                    }

                    break;
                case 3:
                    Collection(depth, level, "[", "]", field: false);
                    break;
                case 4:
                    Collection(depth, level, "{", "}", field: true);
                    break;
                case 5:
                    _sb.Append(Pick(["f", "sys.env", "string.format", "encoding.from_json"]));
                    Collection(depth, level, "(", ")", field: false);
                    break;
                case 6:
                case 7:
                    Expr(depth, level + 1);
                    _sb.Append(Chance(80) ? " " : string.Empty).Append(Pick(Operators));
                    if (Chance(15))
                    {
                        _sb.Append(Chance(50) ? " // after operator" : string.Empty).Append('\n');
                        Indent(depth + 1);
                    }
                    else
                    {
                        _sb.Append(' ');
                    }

                    Expr(depth, level + 1);
                    break;
                case 8:
                    _sb.Append(Pick(["-", "!"]));
                    Expr(depth, 4);
                    break;
                default:
                    _sb.Append('(');
                    Expr(depth, level + 1);
                    _sb.Append(')');
                    break;
            }
        }

        private void Collection(int depth, int level, string open, string close, bool field)
        {
            var count = _random.Next(0, 4);
            var multiLine = Chance(50);
            _sb.Append(open);
            if (multiLine && count > 0 && Chance(20))
            {
                _sb.Append(" // after opener");
            }

            for (var i = 0; i < count; i++)
            {
                if (multiLine)
                {
                    _sb.Append('\n');
                    if (Chance(10))
                    {
                        _sb.Append('\n');
                    }

                    if (Chance(15))
                    {
                        Indent(depth + 1);
                        _sb.Append("// element comment\n");
                    }

                    Indent(depth + 1);
                }
                else if (i > 0)
                {
                    _sb.Append(Chance(80) ? " " : string.Empty);
                }
                else if (field && Chance(70))
                {
                    _sb.Append(' ');
                }

                if (field)
                {
                    _sb.Append(Chance(30) ? "\"quoted.key\"" : Pick(Names)).Append(" = ");
                }

                Expr(depth + 1, level + 1);
                if (multiLine || i + 1 < count)
                {
                    _sb.Append(',');
                }

                if (multiLine && Chance(15))
                {
                    _sb.Append(" // after element");
                }
            }

            if (multiLine && count > 0)
            {
                _sb.Append('\n');
                if (Chance(15))
                {
                    Indent(depth + 1);
                    _sb.Append("// before closer\n");
                }

                Indent(depth);
            }

            _sb.Append(close);
        }
    }
}
