using System.Globalization;
using River.Diagnostics;
using River.Syntax;
using River.Values;

namespace River.Eval;

/// <summary>The outcome of evaluating one expression: the value (null when an error was reported) and every diagnostic.</summary>
public sealed record EvalResult(Value? Value, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when a value was produced (warnings allowed).</summary>
    public bool Success => Value is not null;
}

/// <summary>
/// Evaluates expressions with Alloy's semantics: identifiers from the scope then the standard library, numbers kept
/// as uint/int/float, <c>&amp;&amp;</c> and <c>||</c> evaluating both sides, a missing field an error but a missing
/// index key <c>null</c>. Errors become diagnostics with spans; nothing is thrown out of these methods.
/// </summary>
public static class RiverEvaluator
{
    /// <summary>Evaluates <paramref name="expr"/>; diagnostics are returned in the result.</summary>
    public static EvalResult Evaluate(Expr expr, Scope scope, SourceFile? source = null)
    {
        var bag = new DiagnosticBag();
        var value = Evaluate(expr, scope, source, bag);
        return new EvalResult(value, bag.Items);
    }

    /// <summary>Evaluates <paramref name="expr"/>, adding diagnostics to <paramref name="diagnostics"/>; null on error.</summary>
    public static Value? Evaluate(Expr expr, Scope scope, SourceFile? source, DiagnosticBag diagnostics)
    {
        var evaluator = new ExpressionEvaluator(scope, source, diagnostics);
        return evaluator.TryEvaluate(expr);
    }

    /// <summary>
    /// Evaluates <paramref name="expr"/> and converts the value to <paramref name="target"/> (see
    /// <see cref="ValueConverter"/>); a conversion failure is reported against the expression, e.g.
    /// <c>key_value.object.field1[2] should be number, got string</c>. Returns false on any error.
    /// </summary>
    public static bool TryEvaluateAs(Expr expr, Type target, Scope scope, SourceFile? source, DiagnosticBag diagnostics, out object? result)
    {
        var evaluator = new ExpressionEvaluator(scope, source, diagnostics);
        return evaluator.TryEvaluateAs(expr, target, out result);
    }
}

/// <summary>Thrown inside the evaluator to unwind to the public entry point with one diagnostic.</summary>
internal sealed class EvaluationAbortedException(Diagnostic diagnostic) : Exception(diagnostic.Message)
{
    public Diagnostic Diagnostic { get; } = diagnostic;
}

/// <summary>
/// The tree walker behind <see cref="RiverEvaluator"/>. A struct: one is made per evaluated expression, and the loader
/// evaluates tens of thousands of them.
/// </summary>
internal readonly struct ExpressionEvaluator(Scope scope, SourceFile? source, DiagnosticBag diagnostics)
{
    public Value? TryEvaluate(Expr expr)
    {
        try
        {
            return Eval(expr);
        }
        catch (EvaluationAbortedException e)
        {
            diagnostics.Add(e.Diagnostic);
            return null;
        }
        catch (InsufficientExecutionStackException)
        {
            diagnostics.Error(source, expr.Span, "expression is nested too deeply to evaluate");
            return null;
        }
    }

    public bool TryEvaluateAs(Expr expr, Type target, out object? result) =>
        TryEvaluateAs(expr, ValueConverter.ConversionPlan.For(target), out result);

    /// <summary><see cref="TryEvaluateAs(Expr, Type, out object?)"/> with the target's conversion plan at hand.</summary>
    public bool TryEvaluateAs(Expr expr, ValueConverter.ConversionPlan plan, out object? result)
    {
        // Literal data (strings, lists of maps, ...) converts straight from the syntax; anything else is evaluated.
        if (ValueConverter.TryConvertConstant(expr, plan, out result))
        {
            return true;
        }

        var value = TryEvaluate(expr);
        if (value is null)
        {
            return false;
        }

        try
        {
            result = ValueConverter.Convert(value, plan);
            return true;
        }
        catch (ValueException e)
        {
            diagnostics.Add(Describe(expr, e));
            return false;
        }
    }

    public Value Eval(Expr expr)
    {
        // Deeply nested input must become a diagnostic, never a stack overflow.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (expr)
        {
            case LiteralExpr lit:
                return Literal(lit);
            case IdentifierExpr id:
                return Identifier(id);
            case ParenExpr p:
                return Eval(p.Inner);
            case ArrayExpr arr:
                if (arr.Elements.Length == 0)
                {
                    return ArrayValue.Empty;
                }

                var items = new Value[arr.Elements.Length];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = Eval(arr.Elements[i]);
                }

                return new ArrayValue(items);
            case ObjectExpr obj:
                var fields = new OrderedDictionary<string, Value>(obj.Fields.Length, StringComparer.Ordinal);
                foreach (var f in obj.Fields)
                {
                    // Duplicate keys silently keep the last value, as in Alloy.
                    fields[f.Name] = Eval(f.Value);
                }

                return new ObjectValue(fields);
            case AccessExpr access:
                return Access(access);
            case IndexExpr index:
                return Index(index);
            case CallExpr call:
                return Call(call);
            case UnaryExpr unary:
                return Unary(unary);
            case BinaryExpr binary:
                return Binary(binary);
            default:
                throw Abort(expr.Span, $"unsupported expression {expr.GetType().Name}");
        }
    }

    private static Value Literal(LiteralExpr lit)
    {
        switch (lit.Kind)
        {
            case LiteralKind.String:
            case LiteralKind.RawString:
                return Value.String(lit.Text ?? string.Empty);
            case LiteralKind.Bool:
                return Value.Bool(lit.Raw == "true");
            case LiteralKind.Null:
                return Value.Null;
            case LiteralKind.Float:
                return Value.Float(double.Parse(lit.Raw, NumberStyles.Float, CultureInfo.InvariantCulture));
            default:
                return ParseIntegerLiteral(lit.Raw);
        }
    }

    /// <summary>
    /// Go's <c>ParseInt(text, 0)</c> then <c>ParseUint</c> then <c>ParseFloat</c>: a leading zero means octal
    /// (<c>010</c> is 8), an invalid octal such as <c>09</c> falls through to the float 9, and integers beyond uint64
    /// become floats. Golden case 006-number-literals covers these.
    /// </summary>
    internal static NumberValue ParseIntegerLiteral(string raw)
    {
        if (raw.Length > 1 && raw[0] == '0')
        {
            ulong octal = 0;
            var ok = true;
            for (var i = 1; i < raw.Length && ok; i++)
            {
                var digit = raw[i] - '0';
                if (digit is < 0 or > 7 || octal > (ulong.MaxValue >> 3))
                {
                    ok = false;
                }
                else
                {
                    octal = (octal << 3) | (uint)digit;
                }
            }

            if (ok)
            {
                return octal <= long.MaxValue ? NumberValue.FromInt((long)octal) : NumberValue.FromUint(octal);
            }
        }
        else if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var l))
        {
            return NumberValue.FromInt(l);
        }
        else if (ulong.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var u))
        {
            return NumberValue.FromUint(u);
        }

        return NumberValue.FromFloat(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private Value Identifier(IdentifierExpr id)
    {
        if (scope.TryLookup(id.Name, out var value))
        {
            return value;
        }

        if (Stdlib.TryGet(id.Name, out value))
        {
            if (Stdlib.DeprecatedReplacement(id.Name) is { } replacement)
            {
                diagnostics.Warning(source, id.Span, $"the stdlib function \"{id.Name}\" is deprecated; use \"{replacement}\" instead");
            }

            return value;
        }

        var hint = NameSuggester.Hint(id.Name, scope.VisibleNames().Concat(Stdlib.CurrentNames));
        throw Abort(id.Span, $"identifier \"{id.Name}\" does not exist", hint);
    }

    private Value Access(AccessExpr access)
    {
        var target = Eval(access.Value);
        var name = access.NameText;
        if (target is CapsuleValue { Inner: IRiverCapsuleMembers members })
        {
            return members.TryGetMember(name, out var member)
                ? member
                : throw Abort(access.NameSpan, $"field \"{name}\" does not exist", NameSuggester.Hint(name, members.MemberNames));
        }

        if (target is CapsuleValue capsule && RiverSchema.For(capsule.Inner.GetType()) is not null)
        {
            // A capsule whose object has a River schema can be read like an object.
            target = ValueEncoder.Encode(capsule.Inner);
        }

        if (target is not ObjectValue obj)
        {
            throw Abort(access.NameSpan, $"cannot access field \"{name}\" on value of type {KindOf(target)}");
        }

        if (!obj.TryGet(name, out var value))
        {
            throw Abort(access.NameSpan, $"field \"{name}\" does not exist", NameSuggester.Hint(name, obj.Fields.Keys));
        }

        if (value is FunctionValue { Stability: FunctionStability.Experimental } f && !scope.AllowExperimental)
        {
            throw Abort(access.Span, $"{f.Name} is an experimental feature; run with --stability.level=experimental to use it");
        }

        return value;
    }

    private Value Index(IndexExpr index)
    {
        var target = Eval(index.Value);
        var key = Eval(index.Index);
        switch (target)
        {
            case ObjectValue obj:
                if (key is not StringValue s)
                {
                    throw Abort(index.Index.Span, $"{Text(index.Index)} should be string, got {key.KindName}");
                }

                // A missing key indexes to null (only field access reports a missing key).
                return obj.TryGet(s.Value, out var v) ? v : Value.Null;
            case ArrayValue arr:
                if (key is not NumberValue n)
                {
                    throw Abort(index.Index.Span, $"{Text(index.Index)} should be number, got {key.KindName}");
                }

                var i = n.AsInt;
                if (i < 0 || i >= arr.Count)
                {
                    throw Abort(index.Index.Span, $"index {i} is out of range of array with length {arr.Count}");
                }

                return arr[(int)i];
            default:
                throw Abort(index.Value.Span, $"expected object or array, got {KindOf(target)}");
        }
    }

    private Value Call(CallExpr call)
    {
        var callee = Eval(call.Callee);
        if (callee is not FunctionValue f)
        {
            throw Abort(call.Callee.Span, $"{Text(call.Callee)} should be function, got {KindOf(callee)}");
        }

        var args = new Value[call.Arguments.Length];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Eval(call.Arguments[i]);
        }

        if (args.Length < f.MinArgs || (f.MaxArgs >= 0 && args.Length > f.MaxArgs))
        {
            var message = f.MaxArgs < 0
                ? $"expected at least {f.MinArgs} args, got {args.Length}"
                : f.MinArgs == f.MaxArgs
                    ? $"expected {f.MinArgs} args, got {args.Length}"
                    : $"expected {f.MinArgs} to {f.MaxArgs} args, got {args.Length}";
            throw Abort(call.Span, message);
        }

        try
        {
            return f.Body(args);
        }
        catch (ValueException e) when (e.ArgumentIndex is { } argIndex && argIndex < call.Arguments.Length)
        {
            throw new EvaluationAbortedException(Describe(call.Arguments[argIndex], e));
        }
        catch (ValueException e)
        {
            throw Abort(call.Span, $"{Text(call.Callee)}{(e.Standalone ? ": " : " ")}{e.Message}");
        }
        catch (Exception e) when (e is not (EvaluationAbortedException or InsufficientExecutionStackException or OutOfMemoryException))
        {
            // A function (a capsule method from a component, say) failed unexpectedly: report it, do not crash the load.
            throw Abort(call.Span, $"{Text(call.Callee)}: {e.Message}");
        }
    }

    private Value Unary(UnaryExpr unary)
    {
        var operand = Eval(unary.Operand);
        if (unary.Operator == UnaryOperator.Not)
        {
            return operand is BoolValue b
                ? Value.Bool(!b.Value)
                : throw Abort(unary.Operand.Span, $"{Text(unary.Operand)} should be bool, got {KindOf(operand)}");
        }

        if (operand is not NumberValue n)
        {
            throw Abort(unary.Operand.Span, $"{Text(unary.Operand)} should be number, got {KindOf(operand)}");
        }

        // Negating an int or uint yields an int (Go: -valNum.Int()).
        return n.NumberKind == NumberKind.Float ? Value.Float(-n.AsFloat) : Value.Int(unchecked(-n.AsInt));
    }

    private Value Binary(BinaryExpr binary)
    {
        // Both sides are always evaluated: && and || do not short-circuit in Alloy (golden 019-logic-no-short-circuit).
        var left = Eval(binary.Left);
        var right = Eval(binary.Right);
        var op = binary.Operator;
        switch (op)
        {
            case BinaryOperator.Equal:
                return Value.Bool(left.Equals(right));
            case BinaryOperator.NotEqual:
                return Value.Bool(!left.Equals(right));
        }

        CheckOperands(binary, left, right);
        try
        {
            return Operators.Apply(op, left, right);
        }
        catch (ValueException e)
        {
            throw Abort(binary.Span, e.Message);
        }
    }

    private void CheckOperands(BinaryExpr binary, Value left, Value right)
    {
        var op = binary.Operator;
        var accepted = op switch
        {
            BinaryOperator.Or or BinaryOperator.And => left.Kind == ValueKind.Bool,
            BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual =>
                left.Kind is ValueKind.Number or ValueKind.String,
            BinaryOperator.Add => left.Kind is ValueKind.Number or ValueKind.String or ValueKind.Secret,
            _ => left.Kind == ValueKind.Number,
        };
        if (!accepted)
        {
            // The list of accepted kinds is only spelled out when it is reported.
            var allowed = op switch
            {
                BinaryOperator.Or or BinaryOperator.And => "bool",
                BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual => "number, string",
                BinaryOperator.Add => "number, string, secret",
                _ => "number",
            };
            throw Abort(binary.Left.Span, $"{Text(binary.Left)} should be one of [{allowed}] for binop {Operators.Symbol(op)}, got {KindOf(left)}");
        }

        // Strings and secrets mix under + (the result is a secret).
        var compatible = left.Kind == right.Kind
            || (op == BinaryOperator.Add && left.Kind is ValueKind.String or ValueKind.Secret && right.Kind is ValueKind.String or ValueKind.Secret);
        if (!compatible)
        {
            throw Abort(binary.Right.Span, $"{Text(binary.Right)} should be {left.KindName}, got {KindOf(right)}");
        }
    }

    /// <summary>
    /// Builds the diagnostic for a value error about the value of <paramref name="expr"/>: descends into array and
    /// object literals along the error's path so the caret lands on the nested literal at fault, then prints the
    /// expression and the rest of the path (<c>key_value.object.field1[2] should be number, got string</c>).
    /// </summary>
    public Diagnostic Describe(Expr expr, ValueException e)
    {
        var consumed = 0;
        while (true)
        {
            if (expr is ParenExpr p)
            {
                expr = p.Inner;
                continue;
            }

            if (consumed >= e.Path.Count)
            {
                break;
            }

            var step = e.Path[consumed];
            if (expr is ArrayExpr arr && step is int i && i < arr.Elements.Length)
            {
                expr = arr.Elements[i];
                consumed++;
                continue;
            }

            if (expr is ObjectExpr obj && step is string key)
            {
                var field = obj.Fields.LastOrDefault(f => f.Name == key);
                if (field is not null)
                {
                    expr = field.Value;
                    consumed++;
                    continue;
                }
            }

            break;
        }

        var separator = e.Standalone ? ": " : " ";
        return Diagnostic.Error(source, expr.Span, $"{Text(expr)}{e.PathSuffix(consumed)}{separator}{e.Message}");
    }

    private static string KindOf(Value v) => v is CapsuleValue c ? c.Description : v.KindName;

    private string Text(Expr expr) =>
        source is not null && expr.Span.End <= source.Text.Length && expr.Span.Length > 0
            ? source.Text.Substring(expr.Span.Start, expr.Span.Length)
            : ExpressionPrinter.Print(expr);

    private EvaluationAbortedException Abort(TextSpan span, string message, string? hint = null) =>
        new(Diagnostic.Error(source, span, message, hint));
}
