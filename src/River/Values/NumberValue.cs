using System.Globalization;
using System.Text;

namespace River.Values;

/// <summary>The three internal kinds of a number. Arithmetic widens to the larger of two kinds: uint &lt; int &lt; float.</summary>
public enum NumberKind
{
    /// <summary>An unsigned 64-bit integer (only literals beyond int64 or values from .NET unsigned types).</summary>
    Uint,

    /// <summary>A signed 64-bit integer, the kind of integer literals.</summary>
    Int,

    /// <summary>A 64-bit IEEE float.</summary>
    Float,
}

/// <summary>
/// A number. Keeps Alloy's three kinds apart so that <c>5 / 2</c> is <c>2</c> while <c>5.0 / 2</c> is <c>2.5</c>.
/// Integers from -128 to 1023 are cached.
/// </summary>
public sealed class NumberValue : Value
{
    private const int CacheMin = -128;
    private const int CacheMax = 1023;
    private static readonly NumberValue[] SmallInts = CreateCache();

    private readonly long _int;
    private readonly ulong _uint;
    private readonly double _float;

    private NumberValue(NumberKind kind, long i, ulong u, double f)
    {
        NumberKind = kind;
        _int = i;
        _uint = u;
        _float = f;
    }

    /// <summary>Which of the three kinds this number is.</summary>
    public NumberKind NumberKind { get; }

    /// <inheritdoc/>
    public override ValueKind Kind => ValueKind.Number;

    /// <summary>A signed number (shared instance when small).</summary>
    public static NumberValue FromInt(long value) =>
        value is >= CacheMin and <= CacheMax ? SmallInts[value - CacheMin] : new NumberValue(NumberKind.Int, value, 0, 0);

    /// <summary>An unsigned number.</summary>
    public static NumberValue FromUint(ulong value) => new(NumberKind.Uint, 0, value, 0);

    /// <summary>A float number.</summary>
    public static NumberValue FromFloat(double value) => new(NumberKind.Float, 0, 0, value);

    /// <summary>The value as int64 (floats truncate, uints wrap as Go conversions do).</summary>
    public long AsInt => NumberKind switch
    {
        NumberKind.Int => _int,
        NumberKind.Uint => unchecked((long)_uint),
        _ => double.IsNaN(_float) ? long.MinValue : (long)_float,
    };

    /// <summary>The value as uint64 (Go conversion semantics).</summary>
    public ulong AsUint => NumberKind switch
    {
        NumberKind.Uint => _uint,
        NumberKind.Int => unchecked((ulong)_int),
        _ => _float <= 0 || double.IsNaN(_float) ? 0 : (ulong)_float,
    };

    /// <summary>The value as a double.</summary>
    public double AsFloat => NumberKind switch
    {
        NumberKind.Float => _float,
        NumberKind.Int => _int,
        _ => _uint,
    };

    /// <summary>
    /// The text Alloy gives a number converted to a string: integers in base 10, floats in Go's shortest <c>'f'</c>
    /// format without exponent (<c>1e21</c> → <c>1000000000000000000000</c>).
    /// </summary>
    public string ToRiverString() => NumberKind switch
    {
        NumberKind.Int => _int.ToString(CultureInfo.InvariantCulture),
        NumberKind.Uint => _uint.ToString(CultureInfo.InvariantCulture),
        _ => FormatFloat(_float),
    };

    /// <summary>Go <c>strconv.FormatFloat(f, 'f', -1, 64)</c>: the shortest digits that round-trip, never an exponent.</summary>
    public static string FormatFloat(double f)
    {
        if (double.IsNaN(f))
        {
            return "NaN";
        }

        if (double.IsInfinity(f))
        {
            return f > 0 ? "+Inf" : "-Inf";
        }

        // "R" gives the shortest round-trip digits, possibly with an exponent; expand the exponent by hand.
        var r = f.ToString("R", CultureInfo.InvariantCulture);
        if (f == 0 && double.IsNegative(f))
        {
            return "-0";
        }

        var e = r.IndexOfAny(['E', 'e']);
        if (e < 0)
        {
            return r;
        }

        var exp = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = r[..e];
        var negative = mantissa.StartsWith('-');
        if (negative)
        {
            mantissa = mantissa[1..];
        }

        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var pointPos = (dot < 0 ? mantissa.Length : dot) + exp;
        var sb = new StringBuilder();
        if (negative)
        {
            sb.Append('-');
        }

        if (pointPos <= 0)
        {
            sb.Append("0.").Append('0', -pointPos).Append(digits);
        }
        else if (pointPos >= digits.Length)
        {
            sb.Append(digits).Append('0', pointPos - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
        }

        return sb.ToString();
    }

    /// <summary>Numeric equality across kinds (<c>3 == 3.0</c>).</summary>
    public override bool Equals(Value? other)
    {
        if (other is not NumberValue n)
        {
            return false;
        }

        return Compare(this, n) == 0;
    }

    /// <inheritdoc/>
    public override int GetHashCode() => AsFloat.GetHashCode();

    /// <summary>Compares two numbers in their widest common kind (NaN compares as unordered, returning 2).</summary>
    public static int Compare(NumberValue a, NumberValue b)
    {
        switch (Widest(a.NumberKind, b.NumberKind))
        {
            case NumberKind.Uint:
                return a._uint.CompareTo(b._uint);
            case NumberKind.Int:
                // A uint beyond int64 is larger than any int.
                if (a.NumberKind == NumberKind.Uint && a._uint > long.MaxValue)
                {
                    return 1;
                }

                if (b.NumberKind == NumberKind.Uint && b._uint > long.MaxValue)
                {
                    return -1;
                }

                return a.AsInt.CompareTo(b.AsInt);
            default:
                var x = a.AsFloat;
                var y = b.AsFloat;
                if (double.IsNaN(x) || double.IsNaN(y))
                {
                    return 2;
                }

                return x.CompareTo(y);
        }
    }

    /// <summary>The wider of two kinds (uint &lt; int &lt; float).</summary>
    public static NumberKind Widest(NumberKind a, NumberKind b) => (NumberKind)Math.Max((int)a, (int)b);

    private static NumberValue[] CreateCache()
    {
        var cache = new NumberValue[CacheMax - CacheMin + 1];
        for (var i = 0; i < cache.Length; i++)
        {
            cache[i] = new NumberValue(NumberKind.Int, i + CacheMin, 0, 0);
        }

        return cache;
    }
}
