using System.Text;

namespace River.Values;

/// <summary>
/// A problem with a value (a type mismatch, a failed conversion, a bad function argument). Used inside the value
/// layer and the evaluator only; the public APIs turn it into a <see cref="River.Diagnostics.Diagnostic"/> whose text is
/// <c>&lt;expression&gt;&lt;path&gt; &lt;message&gt;</c>, e.g. <c>key_value.object.field1[2] should be number, got string</c>.
/// </summary>
public sealed class ValueException : Exception
{
    private readonly List<object> _path = [];

    /// <summary>
    /// A plain message. When <paramref name="standalone"/> is false (the default) the message is a predicate that reads
    /// after the value (<c>300</c> + <c>overflows byte</c>); when true it is a sentence of its own, shown after a colon
    /// (<c>local.file.token.content: secrets may not be converted into strings</c>).
    /// </summary>
    public ValueException(string message, bool standalone = false)
        : base(message)
    {
        Standalone = standalone;
    }

    private ValueException(string message, string expected, string actual)
        : base(message)
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>A type mismatch: <c>should be {expected}, got {actual}</c>.</summary>
    public static ValueException Type(string expected, Value actual) =>
        new($"should be {expected}, got {actual.KindName}", expected, actual.KindName);

    /// <summary>A type mismatch with an explicit actual description.</summary>
    public static ValueException Type(string expected, string actual) =>
        new($"should be {expected}, got {actual}", expected, actual);

    /// <summary>An error about one argument of a function call.</summary>
    public static ValueException Argument(int index, ValueException inner)
    {
        inner.ArgumentIndex ??= index;
        return inner;
    }

    /// <summary>True when the message is a sentence of its own rather than a predicate about the value.</summary>
    public bool Standalone { get; }

    /// <summary>The expected kind for a type error, else null.</summary>
    public string? Expected { get; }

    /// <summary>The actual kind for a type error, else null.</summary>
    public string? Actual { get; }

    /// <summary>For errors raised by a function: the 0-based index of the argument at fault, when known.</summary>
    public int? ArgumentIndex { get; set; }

    /// <summary>
    /// Where inside the value the problem is, outermost first: <see cref="int"/> items are array indexes, strings are
    /// object keys.
    /// </summary>
    public IReadOnlyList<object> Path => _path;

    /// <summary>Prepends an array index to the path (called while unwinding).</summary>
    public ValueException AtIndex(int index)
    {
        _path.Insert(0, index);
        return this;
    }

    /// <summary>Prepends an object key to the path (called while unwinding).</summary>
    public ValueException AtKey(string key)
    {
        _path.Insert(0, key);
        return this;
    }

    /// <summary>Renders a path suffix from <paramref name="start"/>: <c>.field1[2]</c> (non-identifier keys as <c>["a b"]</c>).</summary>
    public string PathSuffix(int start = 0)
    {
        var sb = new StringBuilder();
        for (var i = start; i < _path.Count; i++)
        {
            if (_path[i] is int index)
            {
                sb.Append('[').Append(index).Append(']');
            }
            else
            {
                var key = (string)_path[i];
                if (ValuePrinter.IsIdentifier(key))
                {
                    sb.Append('.').Append(key);
                }
                else
                {
                    sb.Append('[').Append(ValuePrinter.Quote(key)).Append(']');
                }
            }
        }

        return sb.ToString();
    }
}
