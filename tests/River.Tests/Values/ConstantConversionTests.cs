using System.Collections;
using System.Globalization;
using River.Diagnostics;
using River.Eval;
using River.Syntax;
using River.Values;

namespace River.Tests.Values;

/// <summary>
/// <see cref="ValueConverter.TryConvertConstant"/> (decoding literal data straight from the syntax) must give exactly
/// what evaluating the expression and converting the value gives, and must decline whatever it cannot be sure of.
/// </summary>
public class ConstantConversionTests
{
    public static TheoryData<string, Type, bool> Cases => new()
    {
        // text, target, whether the direct path is expected to take it
        { "\"a\"", typeof(string), true },
        { "`raw\ntext`", typeof(string), true },
        { "\"a\\tb\\u00e9\"", typeof(string), true },
        { "\"15s\"", typeof(TimeSpan), true },
        { "\"1h2m3.5s\"", typeof(TimeSpan), true },
        { "\"bogus\"", typeof(TimeSpan), false },
        { "true", typeof(bool), true },
        { "false", typeof(bool), true },
        { "42", typeof(int), true },
        { "0", typeof(int), true },
        { "999999999", typeof(int), true },
        { "010", typeof(int), false },
        { "09", typeof(int), false },
        { "2147483647", typeof(int), false },
        { "\"5\"", typeof(int), false },
        { "42", typeof(string), false },
        { "null", typeof(string), false },
        { "42", typeof(long), false },
        { "[1, 2, 3]", typeof(int[]), true },
        { "[1, 2, 3]", typeof(List<int>), true },
        { "[]", typeof(List<string>), true },
        { "{}", typeof(Dictionary<string, string>), true },
        { "[null]", typeof(List<string>), false },
        { "[\"a\", 1]", typeof(List<string>), false },
        { "[\"a\", \"b\" + \"c\"]", typeof(List<string>), false },
        { "{b = \"1\", a = \"2\", b = \"3\"}", typeof(Dictionary<string, string>), true },
        { "{\"x.y\" = \"v\", `raw` = \"w\", \"q\\\"uote\" = \"z\"}", typeof(Dictionary<string, string>), true },
        { "[{\"__address__\" = \"host-1:9090\", env = \"prod\"}, {}]", typeof(List<Dictionary<string, string>>), true },
        { "{a = [\"15s\", \"2m\"]}", typeof(Dictionary<string, TimeSpan[]>), true },
        { "{a = 1}", typeof(Dictionary<string, string>), false },
        { "[[true], [false, true]]", typeof(List<List<bool>>), true },
        { "(\"a\")", typeof(string), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DirectConversionMatchesEvaluateThenConvert(string text, Type target, bool direct)
    {
        var parsed = RiverParser.ParseExpression(text);
        Assert.True(parsed.Success, string.Join("\n", parsed.Diagnostics));
        var expr = parsed.Expression!;

        var taken = ValueConverter.TryConvertConstant(expr, target, out var fast);
        Assert.Equal(direct, taken);
        if (!taken)
        {
            return;
        }

        var value = new ExpressionEvaluator(new Scope(), null, new DiagnosticBag()).Eval(expr);
        var general = ValueConverter.Convert(value, target);
        Assert.Equal(general?.GetType(), fast?.GetType());
        Assert.Equal(Describe(general), Describe(fast));
    }

    // Contents in enumeration order, so that dictionary order counts too.
    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        IDictionary d => "{" + string.Join(",", d.Keys.Cast<object>().Select(k => Describe(k) + ":" + Describe(d[k]))) + "}",
        IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Describe)) + "]",
        IFormattable f => f.GetType().Name + ":" + f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.GetType().Name + ":" + value,
    };
}
