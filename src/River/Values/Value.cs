using System.Globalization;

namespace River.Values;

/// <summary>The closed set of River value kinds. <see cref="KindNames.Name"/> gives the name used in messages.</summary>
public enum ValueKind
{
    /// <summary><c>null</c></summary>
    Null,

    /// <summary>A number (signed, unsigned or floating point inside).</summary>
    Number,

    /// <summary>A string.</summary>
    String,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Bool,

    /// <summary>An ordered list of values.</summary>
    Array,

    /// <summary>A map from string keys to values.</summary>
    Object,

    /// <summary>A function (from the standard library or a capsule method).</summary>
    Function,

    /// <summary>An opaque .NET object, such as an exported receiver interface.</summary>
    Capsule,

    /// <summary>A sensitive string that is never printed.</summary>
    Secret,
}

/// <summary>Names of the kinds as they appear in messages.</summary>
public static class KindNames
{
    /// <summary>The lower-case name of a kind (<c>number</c>, <c>string</c>, …).</summary>
    public static string Name(ValueKind kind) => kind switch
    {
        ValueKind.Null => "null",
        ValueKind.Number => "number",
        ValueKind.String => "string",
        ValueKind.Bool => "bool",
        ValueKind.Array => "array",
        ValueKind.Object => "object",
        ValueKind.Function => "function",
        ValueKind.Capsule => "capsule",
        _ => "secret",
    };
}

/// <summary>
/// A River value. The model is closed: every value is one of the sealed subclasses below. Null, booleans and small
/// integers are shared singletons, so comparing against them and creating them allocates nothing.
/// </summary>
public abstract class Value : IEquatable<Value>
{
    private protected Value()
    {
    }

    /// <summary>The kind of the value.</summary>
    public abstract ValueKind Kind { get; }

    /// <summary>The kind's name as used in messages.</summary>
    public string KindName => KindNames.Name(Kind);

    /// <summary>The shared <c>null</c>.</summary>
    public static NullValue Null => NullValue.Instance;

    /// <summary>The shared <c>true</c>.</summary>
    public static BoolValue True => BoolValue.True;

    /// <summary>The shared <c>false</c>.</summary>
    public static BoolValue False => BoolValue.False;

    /// <summary>A bool value.</summary>
    public static BoolValue Bool(bool value) => value ? BoolValue.True : BoolValue.False;

    /// <summary>A signed integer number.</summary>
    public static NumberValue Int(long value) => NumberValue.FromInt(value);

    /// <summary>An unsigned integer number.</summary>
    public static NumberValue Uint(ulong value) => NumberValue.FromUint(value);

    /// <summary>A floating-point number.</summary>
    public static NumberValue Float(double value) => NumberValue.FromFloat(value);

    /// <summary>A string value.</summary>
    public static StringValue String(string value) => value.Length == 0 ? StringValue.Empty : new StringValue(value);

    /// <summary>
    /// Deep equality as Alloy's <c>==</c>: numbers compare numerically across kinds, arrays and objects element-wise,
    /// functions are never equal (not even to themselves), capsules by <see cref="object.Equals(object)"/>.
    /// </summary>
    public abstract bool Equals(Value? other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Value v && Equals(v);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Kind;

    /// <summary>The value in River syntax (objects multi-line, secrets as <c>(secret)</c>).</summary>
    public override string ToString() => ValuePrinter.Print(this);
}

/// <summary><c>null</c>.</summary>
public sealed class NullValue : Value
{
    /// <summary>The only instance.</summary>
    public static readonly NullValue Instance = new();

    private NullValue()
    {
    }

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.Null;

    /// <inheritdoc/>
    public override bool Equals(Value? other) => other is NullValue;
}

/// <summary><c>true</c> or <c>false</c>; only the two shared instances exist.</summary>
public sealed class BoolValue : Value
{
    /// <summary>The shared <c>true</c>.</summary>
    public static new readonly BoolValue True = new(true);

    /// <summary>The shared <c>false</c>.</summary>
    public static new readonly BoolValue False = new(false);

    private BoolValue(bool value) => Value = value;

    /// <summary>The boolean.</summary>
    public bool Value { get; }

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.Bool;

    /// <inheritdoc/>
    public override bool Equals(Value? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value ? 1 : 0;
}

/// <summary>A string.</summary>
public sealed class StringValue : Value
{
    /// <summary>The shared empty string.</summary>
    public static readonly StringValue Empty = new(string.Empty);

    internal StringValue(string value) => Value = value;

    /// <summary>The text.</summary>
    public string Value { get; }

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.String;

    /// <inheritdoc/>
    public override bool Equals(Value? other) => other is StringValue s && string.Equals(s.Value, Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);
}

/// <summary>A secret string: usable as an argument that accepts secrets, never printed (<c>(secret)</c>).</summary>
public sealed class SecretValue : Value
{
    /// <summary>Wraps a sensitive string.</summary>
    public SecretValue(string value) => Value = value;

    /// <summary>The sensitive text. Never log it.</summary>
    public string Value { get; }

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.Secret;

    /// <inheritdoc/>
    public override bool Equals(Value? other) => other is SecretValue s && string.Equals(s.Value, Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);
}

/// <summary>An ordered list of values.</summary>
public sealed class ArrayValue : Value
{
    /// <summary>The shared empty array.</summary>
    public static readonly ArrayValue Empty = new([]);

    /// <summary>Wraps elements; the array must not be mutated afterwards.</summary>
    public ArrayValue(Value[] elements) => _items = elements;

    /// <summary>Copies elements from a list.</summary>
    public ArrayValue(IReadOnlyList<Value> elements)
    {
        var copy = new Value[elements.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = elements[i];
        }

        _items = copy;
    }

    // Always an array: hot loops (conversion, equality) index it directly instead of through the interface.
    private readonly Value[] _items;

    /// <summary>The elements.</summary>
    public IReadOnlyList<Value> Elements => _items;

    /// <summary>The number of elements.</summary>
    public int Count => _items.Length;

    /// <summary>One element.</summary>
    public Value this[int index] => _items[index];

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.Array;

    /// <inheritdoc/>
    public override bool Equals(Value? other)
    {
        if (other is not ArrayValue a || a.Count != Count)
        {
            return false;
        }

        for (var i = 0; i < _items.Length; i++)
        {
            if (!_items[i].Equals(a._items[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ValueKind.Array, Count);
}

/// <summary>
/// A map from keys to values. Keys keep insertion order (exports keep their declared order); printing and JSON sort
/// them as Alloy does.
/// </summary>
public sealed class ObjectValue : Value
{
    /// <summary>The shared empty object.</summary>
    public static readonly ObjectValue Empty = new(new OrderedDictionary<string, Value>(StringComparer.Ordinal));

    private readonly OrderedDictionary<string, Value> _fields;

    /// <summary>Wraps fields; the dictionary must not be mutated afterwards.</summary>
    public ObjectValue(OrderedDictionary<string, Value> fields) => _fields = fields;

    /// <summary>Builds an object from key/value pairs (a later duplicate key wins, as in Alloy object literals).</summary>
    public static ObjectValue From(IEnumerable<KeyValuePair<string, Value>> fields)
    {
        var dict = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
        foreach (var (k, v) in fields)
        {
            dict[k] = v;
        }

        return new ObjectValue(dict);
    }

    /// <summary>The fields in insertion order.</summary>
    public IReadOnlyDictionary<string, Value> Fields => _fields;

    /// <summary>The fields as the concrete dictionary, so hot loops enumerate with its struct enumerator (read only).</summary>
    internal OrderedDictionary<string, Value> FieldMap => _fields;

    /// <summary>The number of fields.</summary>
    public int Count => _fields.Count;

    /// <summary>The keys sorted ordinally, the order in which objects are printed.</summary>
    public IReadOnlyList<string> SortedKeys
    {
        get
        {
            var keys = new string[_fields.Count];
            var i = 0;
            foreach (var k in _fields.Keys)
            {
                keys[i++] = k;
            }

            Array.Sort(keys, StringComparer.Ordinal);
            return keys;
        }
    }

    /// <summary>Looks a key up.</summary>
    public bool TryGet(string key, out Value value) => _fields.TryGetValue(key, out value!);

    /// <summary>Returns a copy with one key set (added at the end, or replaced in place).</summary>
    public ObjectValue With(string key, Value value)
    {
        var dict = new OrderedDictionary<string, Value>(_fields, StringComparer.Ordinal)
        {
            [key] = value,
        };
        return new ObjectValue(dict);
    }

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.Object;

    /// <inheritdoc/>
    public override bool Equals(Value? other)
    {
        if (other is not ObjectValue o || o.Count != Count)
        {
            return false;
        }

        foreach (var (k, v) in _fields)
        {
            if (!o._fields.TryGetValue(k, out var ov) || !v.Equals(ov))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ValueKind.Object, Count);
}

/// <summary>An opaque .NET object (an exported receiver, a client, …). Compared with <see cref="object.Equals(object)"/>.</summary>
public sealed class CapsuleValue : Value
{
    /// <summary>Wraps an object.</summary>
    public CapsuleValue(object inner) => Inner = inner;

    /// <summary>The wrapped object.</summary>
    public object Inner { get; }

    /// <summary><c>capsule("TypeName")</c>, as Alloy describes capsules.</summary>
    public string Description => $"capsule(\"{TypeDisplay.Name(Inner.GetType())}\")";

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.Capsule;

    /// <inheritdoc/>
    public override bool Equals(Value? other) => other is CapsuleValue c && (ReferenceEquals(c.Inner, Inner) || Inner.Equals(c.Inner));

    /// <inheritdoc/>
    public override int GetHashCode() => Inner.GetHashCode();
}

/// <summary>How functions are marked in the standard library.</summary>
public enum FunctionStability
{
    /// <summary>Generally available.</summary>
    GenerallyAvailable,

    /// <summary>Only usable with <c>--stability.level=experimental</c>.</summary>
    Experimental,
}

/// <summary>A callable value. Functions are never equal to anything, themselves included (as in Alloy).</summary>
public sealed class FunctionValue : Value
{
    /// <summary>Creates a function with an arity range (<paramref name="maxArgs"/> -1: variadic).</summary>
    public FunctionValue(string name, int minArgs, int maxArgs, Func<Value[], Value> body, FunctionStability stability = FunctionStability.GenerallyAvailable)
    {
        Name = name;
        MinArgs = minArgs;
        MaxArgs = maxArgs;
        Body = body;
        Stability = stability;
    }

    /// <summary>The qualified name (<c>string.format</c>).</summary>
    public string Name { get; }

    /// <summary>The least number of arguments.</summary>
    public int MinArgs { get; }

    /// <summary>The most arguments, or -1 when variadic.</summary>
    public int MaxArgs { get; }

    /// <summary>
    /// The implementation. It throws <see cref="ValueException"/> on bad input; <see cref="ValueException.ArgumentIndex"/>
    /// names the faulty argument.
    /// </summary>
    public Func<Value[], Value> Body { get; }

    /// <summary>Whether the function is experimental.</summary>
    public FunctionStability Stability { get; }

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.Function;

    /// <inheritdoc/>
    public override bool Equals(Value? other) => false;

    /// <inheritdoc/>
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}

/// <summary>Short display names of .NET types for messages (<c>List&lt;IMetricsReceiver&gt;</c>).</summary>
public static class TypeDisplay
{
    /// <summary>The type's name without namespace, generic arguments spelled out.</summary>
    public static string Name(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        return name + "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
    }

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
