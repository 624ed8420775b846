using River.Syntax;
using River.Values;

namespace River.Eval;

/// <summary>
/// Binary operators on operands whose kinds were already checked: arithmetic in the widest kind of the two numbers
/// (uint &lt; int &lt; float) with Go's wrap-around and truncating integer division, ordering of numbers and strings,
/// <c>+</c> on strings and secrets.
/// </summary>
internal static class Operators
{
    public static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => "||",
        BinaryOperator.And => "&&",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.Less => "<",
        BinaryOperator.LessOrEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterOrEqual => ">=",
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Modulo => "%",
        _ => "^",
    };

    public static Value Apply(BinaryOperator op, Value left, Value right)
    {
        switch (op)
        {
            case BinaryOperator.Or:
                return Value.Bool(((BoolValue)left).Value || ((BoolValue)right).Value);
            case BinaryOperator.And:
                return Value.Bool(((BoolValue)left).Value && ((BoolValue)right).Value);
            case BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual:
                return Value.Bool(Order(op, left, right));
            case BinaryOperator.Add when left is StringValue ls && right is StringValue rs:
                return Value.String(ls.Value + rs.Value);
            case BinaryOperator.Add when left is not NumberValue:
                return new SecretValue(SecretText(left) + SecretText(right));
            default:
                return Arithmetic(op, (NumberValue)left, (NumberValue)right);
        }
    }

    private static string SecretText(Value v) => v is SecretValue s ? s.Value : ((StringValue)v).Value;

    private static bool Order(BinaryOperator op, Value left, Value right)
    {
        int c;
        if (left is StringValue ls)
        {
            // Alloy compares strings byte-wise; ordinal UTF-16 order agrees except across surrogate pairs.
            c = string.CompareOrdinal(ls.Value, ((StringValue)right).Value);
        }
        else
        {
            c = NumberValue.Compare((NumberValue)left, (NumberValue)right);
            if (c == 2)
            {
                return false; // NaN is unordered
            }
        }

        return op switch
        {
            BinaryOperator.Less => c < 0,
            BinaryOperator.LessOrEqual => c <= 0,
            BinaryOperator.Greater => c > 0,
            _ => c >= 0,
        };
    }

    private static NumberValue Arithmetic(BinaryOperator op, NumberValue l, NumberValue r)
    {
        switch (NumberValue.Widest(l.NumberKind, r.NumberKind))
        {
            case NumberKind.Float:
            {
                double a = l.AsFloat, b = r.AsFloat;
                return Value.Float(op switch
                {
                    BinaryOperator.Add => a + b,
                    BinaryOperator.Subtract => a - b,
                    BinaryOperator.Multiply => a * b,
                    BinaryOperator.Divide => b == 0 ? throw DivideByZero() : a / b,
                    BinaryOperator.Modulo => b == 0 ? throw DivideByZero() : a % b,
                    _ => Math.Pow(a, b),
                });
            }

            case NumberKind.Int:
            {
                long a = l.AsInt, b = r.AsInt;
                return Value.Int(unchecked(op switch
                {
                    BinaryOperator.Add => a + b,
                    BinaryOperator.Subtract => a - b,
                    BinaryOperator.Multiply => a * b,
                    BinaryOperator.Divide => b == 0 ? throw DivideByZero() : (a == long.MinValue && b == -1 ? a : a / b),
                    BinaryOperator.Modulo => b == 0 ? throw DivideByZero() : (b == -1 ? 0 : a % b),
                    _ => IntPow(a, b),
                }));
            }

            default:
            {
                ulong a = l.AsUint, b = r.AsUint;
                return Value.Uint(unchecked(op switch
                {
                    BinaryOperator.Add => a + b,
                    BinaryOperator.Subtract => a - b,
                    BinaryOperator.Multiply => a * b,
                    BinaryOperator.Divide => b == 0 ? throw DivideByZero() : a / b,
                    BinaryOperator.Modulo => b == 0 ? throw DivideByZero() : a % b,
                    _ => UintPow(a, b),
                }));
            }
        }
    }

    /// <summary>
    /// Alloy's integer power: repeated multiplication, wrapping on overflow; <c>x ^ 0</c> is 1 and a negative
    /// exponent leaves the base unchanged (Alloy's loop never runs; golden 013-power). Computed by squaring, which
    /// gives the same wrapped result as repeated multiplication without looping a billion times.
    /// </summary>
    private static long IntPow(long n, long m) => m < 0 ? n : unchecked((long)UintPow((ulong)n, (ulong)m));

    private static ulong UintPow(ulong n, ulong m)
    {
        ulong result = 1;
        while (m > 0)
        {
            if ((m & 1) != 0)
            {
                result = unchecked(result * n);
            }

            n = unchecked(n * n);
            m >>= 1;
        }

        return result;
    }

    private static ValueException DivideByZero() => new("divide by zero error");
}
