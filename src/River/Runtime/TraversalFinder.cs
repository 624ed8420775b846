using System.Collections.Immutable;
using River.Diagnostics;
using River.Syntax;

namespace River.Runtime;

/// <summary>
/// One reference in an expression: an identifier followed by an uninterrupted chain of <c>.name</c> accesses
/// (<c>a.b[0].c</c> gives <c>a.b</c>; <c>f().x</c> gives <c>f</c>), with the span of the whole chain.
/// </summary>
public sealed record Traversal(ImmutableArray<string> Parts, TextSpan Span)
{
    /// <summary>The dotted text of the chain.</summary>
    public override string ToString() => string.Join('.', Parts.AsSpan());
}

/// <summary>Lists the traversals of a block body, the raw material of the graph's edges.</summary>
public static class TraversalFinder
{
    /// <summary>Every traversal in the attribute values of <paramref name="body"/> and its nested blocks, in source order.</summary>
    public static List<Traversal> InBody(ImmutableArray<Statement> body)
    {
        var found = new List<Traversal>();
        AddBody(body, found);
        return found;
    }

    /// <summary>Every traversal in one expression.</summary>
    public static List<Traversal> InExpression(Expr expression)
    {
        var found = new List<Traversal>();
        Add(expression, found);
        return found;
    }

    private static void AddBody(ImmutableArray<Statement> body, List<Traversal> found)
    {
        foreach (var statement in body)
        {
            switch (statement)
            {
                case AttributeStatement attribute:
                    Add(attribute.Value, found);
                    break;
                case BlockStatement block:
                    AddBody(block.Body, found);
                    break;
            }
        }
    }

    private static void Add(Expr expression, List<Traversal> found)
    {
        switch (expression)
        {
            case IdentifierExpr identifier:
                found.Add(new Traversal([identifier.Name], identifier.Span));
                break;
            case AccessExpr access:
                if (TryChain(access, out var parts))
                {
                    found.Add(new Traversal(parts, access.Span));
                }
                else
                {
                    Add(access.Value, found);
                }

                break;
            case IndexExpr index:
                Add(index.Value, found);
                Add(index.Index, found);
                break;
            case CallExpr call:
                Add(call.Callee, found);
                foreach (var argument in call.Arguments)
                {
                    Add(argument, found);
                }

                break;
            case ArrayExpr array:
                foreach (var element in array.Elements)
                {
                    Add(element, found);
                }

                break;
            case ObjectExpr obj:
                foreach (var field in obj.Fields)
                {
                    Add(field.Value, found);
                }

                break;
            case UnaryExpr unary:
                Add(unary.Operand, found);
                break;
            case BinaryExpr binary:
                Add(binary.Left, found);
                Add(binary.Right, found);
                break;
            case ParenExpr paren:
                Add(paren.Inner, found);
                break;
            default:
                // Literals refer to nothing.
                break;
        }
    }

    private static bool TryChain(AccessExpr access, out ImmutableArray<string> parts)
    {
        var names = new List<string>();
        Expr current = access;
        while (current is AccessExpr a)
        {
            names.Add(a.Name.Name);
            current = a.Value;
        }

        if (current is not IdentifierExpr root)
        {
            parts = default;
            return false;
        }

        names.Add(root.Name);
        names.Reverse();
        parts = [.. names];
        return true;
    }
}
