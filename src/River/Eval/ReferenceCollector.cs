using System.Collections.Immutable;
using System.Runtime.InteropServices;
using River.Diagnostics;
using River.Syntax;

namespace River.Eval;

/// <summary>
/// One reference found in an expression: an identifier followed by its uninterrupted <c>.name</c> chain
/// (<c>prometheus.remote_write.default.receiver</c>). Indexing or a call ends the chain: <c>a.b[0].c</c> gives
/// <c>a.b</c>, <c>f().x</c> gives <c>f</c>.
/// </summary>
/// <param name="Parts">The identifier and field names, in order.</param>
/// <param name="Span">The span of the whole chain.</param>
public sealed record Reference(ImmutableArray<string> Parts, TextSpan Span)
{
    /// <summary>The dotted form, e.g. <c>prometheus.remote_write.default.receiver</c>.</summary>
    public string Dotted => string.Join('.', Parts);

    /// <summary>True when the first name is a standard-library name (the runtime usually ignores those).</summary>
    public bool IsStdlib => Stdlib.Contains(Parts[0]);
}

/// <summary>
/// Finds what a block, body or expression references, for building the component graph: the runtime resolves each
/// <see cref="Reference"/> against component IDs by trying its prefixes shortest first.
/// </summary>
public static class ReferenceCollector
{
    /// <summary>Every reference in a block's body (nested blocks included), in source order.</summary>
    public static IReadOnlyList<Reference> Collect(BlockStatement block)
    {
        ArgumentNullException.ThrowIfNull(block);

        // The parser noted a body without identifiers (most blocks of a large config): nothing to walk.
        return block.HasNoIdentifiers ? [] : Collect(block.Body);
    }

    /// <summary>Every reference in a list of statements, in source order.</summary>
    public static IReadOnlyList<Reference> Collect(ImmutableArray<Statement> body)
    {
        // No list for a body without references (most blocks of a large config): the empty result is shared.
        List<Reference>? list = null;
        foreach (var s in body)
        {
            CollectStatement(s, ref list);
        }

        return list ?? (IReadOnlyList<Reference>)[];
    }

    /// <summary>Every reference in one expression, in source order.</summary>
    public static IReadOnlyList<Reference> Collect(Expr expr)
    {
        List<Reference>? list = null;
        Walk(expr, ref list);
        return list ?? (IReadOnlyList<Reference>)[];
    }

    private static void CollectStatement(Statement s, ref List<Reference>? list)
    {
        switch (s)
        {
            case AttributeStatement a:
                Walk(a.Value, ref list);
                break;
            case BlockStatement b:
                foreach (var inner in b.Body)
                {
                    CollectStatement(inner, ref list);
                }

                break;
        }
    }

    private static void Walk(Expr expr, ref List<Reference>? list)
    {
        switch (expr)
        {
            case IdentifierExpr id:
                (list ??= []).Add(new Reference([id.Name], id.Span));
                break;
            case AccessExpr access:
            {
                // Unwind the .name chain to its base; if the base is an identifier the whole chain is one reference.
                // Counted first so the parts go straight into one array (the loader does this for every reference).
                var depth = 0;
                Expr current = access;
                while (current is AccessExpr a)
                {
                    depth++;
                    current = a.Value;
                }

                if (current is IdentifierExpr root)
                {
                    var names = new string[depth + 1];
                    names[0] = root.Name;
                    current = access;
                    for (var i = depth; i > 0; i--)
                    {
                        var a = (AccessExpr)current;
                        names[i] = a.NameText;
                        current = a.Value;
                    }

                    (list ??= []).Add(new Reference(ImmutableCollectionsMarshal.AsImmutableArray(names), root.Span.Union(access.Span)));
                }
                else
                {
                    Walk(current, ref list);
                }

                break;
            }

            case IndexExpr index:
                Walk(index.Value, ref list);
                Walk(index.Index, ref list);
                break;
            case CallExpr call:
                Walk(call.Callee, ref list);
                foreach (var arg in call.Arguments)
                {
                    Walk(arg, ref list);
                }

                break;
            case ArrayExpr arr:
                foreach (var e in arr.Elements)
                {
                    Walk(e, ref list);
                }

                break;
            case ObjectExpr obj:
                foreach (var f in obj.Fields)
                {
                    Walk(f.Value, ref list);
                }

                break;
            case UnaryExpr u:
                Walk(u.Operand, ref list);
                break;
            case BinaryExpr b:
                Walk(b.Left, ref list);
                Walk(b.Right, ref list);
                break;
            case ParenExpr p:
                Walk(p.Inner, ref list);
                break;
        }
    }
}
