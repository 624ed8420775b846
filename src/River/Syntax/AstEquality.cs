namespace River.Syntax;

/// <summary>
/// Structural equality of AST nodes that ignores spans (and the source file): two texts that differ only in layout
/// parse to equal trees. Used by the formatter's "formatted text parses to the same AST" check.
/// </summary>
/// <remarks>
/// The records' own <c>Equals</c> is not usable for this: it compares spans, and <c>ImmutableArray</c> compares by
/// reference.
/// </remarks>
public sealed class AstEquality : IEqualityComparer<Node>
{
    private AstEquality(bool compareComments) => _compareComments = compareComments;

    private readonly bool _compareComments;

    /// <summary>Compares everything but spans; comments are compared by text, in order.</summary>
    public static AstEquality Default { get; } = new(compareComments: true);

    /// <summary>Compares everything but spans and comments.</summary>
    public static AstEquality IgnoringComments { get; } = new(compareComments: false);

    /// <summary>True when the two nodes have the same shape, names, operators and literal text.</summary>
    public static bool AreEqual(Node? a, Node? b) => Default.Equals(a, b);

    /// <inheritdoc/>
    public bool Equals(Node? x, Node? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null || x.GetType() != y.GetType())
        {
            return false;
        }

        return (x, y) switch
        {
            (ConfigFile a, ConfigFile b) => AllEqual(a.Body, b.Body)
                && (!_compareComments || (a.Comments.Length == b.Comments.Length
                    && a.Comments.Zip(b.Comments).All(p => p.First.Text == p.Second.Text))),
            (Comment a, Comment b) => a.Text == b.Text,
            (Identifier a, Identifier b) => a.Name == b.Name,
            (AttributeStatement a, AttributeStatement b) => a.NameText == b.NameText && Equals(a.Value, b.Value),
            (BlockStatement a, BlockStatement b) => a.Name == b.Name && a.Label == b.Label && AllEqual(a.Body, b.Body),
            (LiteralExpr a, LiteralExpr b) => a.Kind == b.Kind && a.SameRaw(b),
            (IdentifierExpr a, IdentifierExpr b) => a.Name == b.Name,
            (ArrayExpr a, ArrayExpr b) => AllEqual(a.Elements, b.Elements),
            (ObjectExpr a, ObjectExpr b) => a.Fields.Length == b.Fields.Length
                && a.Fields.Zip(b.Fields).All(p => Equals(p.First, p.Second)),
            (ObjectField a, ObjectField b) => a.Name == b.Name && a.Quoted == b.Quoted && Equals(a.Value, b.Value),
            (AccessExpr a, AccessExpr b) => a.NameText == b.NameText && Equals(a.Value, b.Value),
            (IndexExpr a, IndexExpr b) => Equals(a.Value, b.Value) && Equals(a.Index, b.Index),
            (CallExpr a, CallExpr b) => Equals(a.Callee, b.Callee) && AllEqual(a.Arguments, b.Arguments),
            (UnaryExpr a, UnaryExpr b) => a.Operator == b.Operator && Equals(a.Operand, b.Operand),
            (BinaryExpr a, BinaryExpr b) => a.Operator == b.Operator && Equals(a.Left, b.Left) && Equals(a.Right, b.Right),
            (ParenExpr a, ParenExpr b) => Equals(a.Inner, b.Inner),
            _ => false,
        };
    }

    /// <inheritdoc/>
    public int GetHashCode(Node obj)
    {
        ArgumentNullException.ThrowIfNull(obj);

        // Shallow on purpose: consistent with Equals (equal nodes share type and top-level name), cheap, no recursion.
        return obj switch
        {
            BlockStatement b => HashCode.Combine(typeof(BlockStatement), b.Name, b.Label),
            AttributeStatement a => HashCode.Combine(typeof(AttributeStatement), a.NameText),
            LiteralExpr l => HashCode.Combine(l.Kind, l.RawHashCode()),
            IdentifierExpr i => HashCode.Combine(typeof(IdentifierExpr), i.Name),
            BinaryExpr b => HashCode.Combine(typeof(BinaryExpr), b.Operator),
            _ => obj.GetType().GetHashCode(),
        };
    }

    private bool AllEqual<T>(System.Collections.Immutable.ImmutableArray<T> a, System.Collections.Immutable.ImmutableArray<T> b)
        where T : Node
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
