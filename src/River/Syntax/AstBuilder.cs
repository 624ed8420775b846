using System.Collections.Immutable;
using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using River.Diagnostics;
using G = River.Syntax.Generated;

namespace River.Syntax;

/// <summary>
/// Turns the ANTLR parse tree into the immutable AST of Ast.cs, and reports what the grammar deliberately accepts but
/// the language does not (dotted or labelled attribute names, bad labels, a block used as a value, expressions
/// nested beyond <see cref="SyntaxLimits.MaxExpressionDepth"/>). It tolerates the partial trees ANTLR leaves after a
/// syntax error, so that these checks run on the whole file in one pass; the tree is discarded then anyway.
/// </summary>
internal sealed class AstBuilder
{
    private readonly SourceFile _file;
    private readonly SyntaxErrorCollector _errors;

    public AstBuilder(SourceFile file, SyntaxErrorCollector errors)
    {
        _file = file;
        _errors = errors;
    }

    public ConfigFile BuildFile(G.RiverParser.FileContext ctx, ImmutableArray<Comment> comments)
    {
        var body = BuildBody(ctx.body());
        return new ConfigFile(_file, body, comments, new TextSpan(0, _file.Text.Length));
    }

    public Expr BuildExpressionOnly(G.RiverParser.ExpressionOnlyContext ctx) => BuildExpr(ctx.expr(), out _);

    private static int Start(IToken token) => token.StartIndex;

    private static int End(IToken token) => token is RiverToken t ? t.End : token.StopIndex + 1;

    private static TextSpan SpanOf(ParserRuleContext ctx)
    {
        var start = ctx.Start is null ? 0 : Start(ctx.Start);
        var end = ctx.Stop is null ? start : End(ctx.Stop);
        return new TextSpan(start, Math.Max(start, end));
    }

    private static TextSpan SpanOf(ITerminalNode node) => new(Start(node.Symbol), End(node.Symbol));

    private ImmutableArray<Statement> BuildBody(G.RiverParser.BodyContext? ctx)
    {
        if (ctx?.children is null)
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<Statement>();
        foreach (var child in ctx.children)
        {
            if (child is G.RiverParser.StatementContext statement && BuildStatement(statement) is { } built)
            {
                builder.Add(built);
            }
        }

        return builder.Count == builder.Capacity ? builder.MoveToImmutable() : builder.ToImmutable();
    }

    private Statement? BuildStatement(G.RiverParser.StatementContext ctx)
    {
        var nameCtx = ctx.blockName();
        if (nameCtx is null)
        {
            return null;
        }

        var parts = ImmutableArray.CreateBuilder<Identifier>();
        foreach (var ident in nameCtx.IDENT())
        {
            parts.Add(new Identifier(ident.GetText(), SpanOf(ident)));
        }

        if (parts.Count == 0)
        {
            return null;
        }

        var labelCtx = nameCtx.blockLabel();
        var span = SpanOf(ctx);
        switch (ctx.statementRest())
        {
            case G.RiverParser.AttributeRestContext attribute:
            {
                var nameSpan = parts[0].Span.Union(parts[^1].Span);
                if (parts.Count > 1)
                {
                    _errors.Parser(nameSpan.Start, nameSpan.End, "attribute names may only consist of a single identifier with no \".\"");
                }
                else if (labelCtx is not null)
                {
                    var labelSpan = SpanOf(labelCtx);
                    _errors.Parser(labelSpan.Start, labelSpan.End, "attribute names may not have labels");
                }

                var value = attribute.expr() is { } exprCtx ? BuildExpr(exprCtx, out _) : Placeholder(span.End);
                if (attribute.blockValue() is { } blockValue)
                {
                    ReportBlockValue(value, blockValue);
                }

                return new AttributeStatement(parts[0], value, span);
            }

            case G.RiverParser.BlockRestContext block:
            {
                var (label, labelSpan) = BuildLabel(labelCtx);
                var body = BuildBody(block.body());
                var lcurly = block.LCURLY();
                var rcurly = block.RCURLY();
                var bodyStart = lcurly is null ? span.End : Start(lcurly.Symbol);
                var bodyEnd = rcurly is null || rcurly.Symbol.TokenIndex < 0 ? span.End : End(rcurly.Symbol);
                return new BlockStatement(parts.ToImmutable(), label, labelSpan, body, new TextSpan(bodyStart, Math.Max(bodyStart, bodyEnd)), span);
            }

            default:
                return null;
        }
    }

    private void ReportBlockValue(Expr value, G.RiverParser.BlockValueContext blockValue)
    {
        // Walking the body keeps its own errors (labels, nesting) reported.
        _ = BuildBody(blockValue.body());
        if (IsName(value))
        {
            var span = value.Span.Union(SpanOf(blockValue));
            _errors.Parser(span.Start, span.End, "cannot use a block as an expression");
        }
        else
        {
            var token = blockValue.Start;
            _errors.Parser(Start(token), End(token), $"expected TERMINATOR, got {RiverTokens.DisplayName(token.Type)}");
        }
    }

    private static bool IsName(Expr expr) => expr switch
    {
        IdentifierExpr => true,
        AccessExpr access => IsName(access.Value),
        _ => false,
    };

    private (string? Label, TextSpan Span) BuildLabel(G.RiverParser.BlockLabelContext? ctx)
    {
        if (ctx is null)
        {
            return (null, default);
        }

        var span = SpanOf(ctx);
        var raw = ctx.GetText();
        if (ctx.RAW_STRING() is not null)
        {
            _errors.Parser(span.Start, span.End, $"expected block label to be a double quoted string, but got {StringLiterals.GoQuote(raw)}");
            return (null, span);
        }

        // As in Alloy: the quotes are stripped, escapes are not resolved, and the label must be an identifier.
        var label = raw.Length >= 2 ? raw[1..^1] : string.Empty;
        if (label.Length == 0)
        {
            // `name "" { }` is an unlabelled block.
            return (null, span);
        }

        if (!Identifiers.IsValid(label))
        {
            _errors.Parser(span.Start, span.End, $"expected block label to be a valid identifier, but got {StringLiterals.GoQuote(label)}");
        }

        return (label, span);
    }

    private static LiteralExpr Placeholder(int at) => new(LiteralKind.Null, string.Empty, null, new TextSpan(at, at));

    // Reports the node where the depth first crosses the limit, so a long chain gives one diagnostic.
    private void CheckDepth(Expr expr, int depth, int deepestChild)
    {
        if (depth > SyntaxLimits.MaxExpressionDepth && deepestChild <= SyntaxLimits.MaxExpressionDepth)
        {
            _errors.Parser(expr.Span.Start, expr.Span.End, $"expression nesting exceeds the limit of {SyntaxLimits.MaxExpressionDepth}");
        }
    }

    private Expr BuildExpr(IParseTree? tree, out int depth)
    {
        switch (tree)
        {
            case G.RiverParser.ExprContext expr:
                return BuildBinary(expr, out depth);
            case G.RiverParser.UnaryExprContext unary:
                return BuildUnary(unary, out depth);
            default:
                depth = 1;
                return Placeholder(tree is ParserRuleContext ctx ? SpanOf(ctx).Start : 0);
        }
    }

    /// <summary>Binding strength of a binary operator (Alloy's token.BinaryPrecedence): higher binds tighter.</summary>
    internal static int Precedence(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => 1,
        BinaryOperator.And => 2,
        BinaryOperator.Equal or BinaryOperator.NotEqual or BinaryOperator.Less or BinaryOperator.LessOrEqual
            or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual => 3,
        BinaryOperator.Add or BinaryOperator.Subtract => 4,
        BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Modulo => 5,
        _ => 6,
    };

    // `expr : unaryExpr (op unaryExpr)*` comes flat from the parser; this applies precedence and associativity with
    // explicit stacks (shunting-yard), so even a chain of 100 000 operators needs no recursion.
    private Expr BuildBinary(G.RiverParser.ExprContext ctx, out int depth)
    {
        var children = ctx.children;
        if (children is null || children.Count == 0)
        {
            depth = 1;
            return Placeholder(SpanOf(ctx).Start);
        }

        var first = BuildExpr(children[0], out depth);
        if (children.Count < 3)
        {
            // The common case: a single operand, passed through without allocating.
            return first;
        }

        var operands = new Stack<(Expr Expr, int Depth)>();
        var operators = new Stack<BinaryOperator>();
        operands.Push((first, depth));
        for (var i = 1; i + 1 < children.Count; i += 2)
        {
            var op = OperatorOf(children[i]);
            var precedence = Precedence(op);
            while (operators.Count > 0)
            {
                var top = Precedence(operators.Peek());

                // Equal precedence reduces first (left associative), except for the right-associative `^`.
                if (top > precedence || (top == precedence && op != BinaryOperator.Power))
                {
                    Reduce(operands, operators);
                }
                else
                {
                    break;
                }
            }

            operators.Push(op);
            var operand = BuildExpr(children[i + 1], out var operandDepth);
            operands.Push((operand, operandDepth));
        }

        while (operators.Count > 0)
        {
            Reduce(operands, operators);
        }

        var (result, resultDepth) = operands.Pop();
        depth = resultDepth;
        return result;
    }

    private void Reduce(Stack<(Expr Expr, int Depth)> operands, Stack<BinaryOperator> operators)
    {
        var (right, rightDepth) = operands.Pop();
        var (left, leftDepth) = operands.Pop();
        var op = operators.Pop();
        var deepest = Math.Max(leftDepth, rightDepth);
        var node = new BinaryExpr(op, left, right, left.Span.Union(right.Span));
        CheckDepth(node, deepest + 1, deepest);
        operands.Push((node, deepest + 1));
    }

    private static BinaryOperator OperatorOf(IParseTree node) =>
        OperatorOf(node is ITerminalNode terminal ? terminal.Symbol.Type : TokenConstants.InvalidType);

    /// <summary>The binary operator of an operator token type.</summary>
    internal static BinaryOperator OperatorOf(int type)
    {
        return type switch
        {
            G.RiverParser.OR => BinaryOperator.Or,
            G.RiverParser.AND => BinaryOperator.And,
            G.RiverParser.EQ => BinaryOperator.Equal,
            G.RiverParser.NEQ => BinaryOperator.NotEqual,
            G.RiverParser.LT => BinaryOperator.Less,
            G.RiverParser.LTE => BinaryOperator.LessOrEqual,
            G.RiverParser.GT => BinaryOperator.Greater,
            G.RiverParser.GTE => BinaryOperator.GreaterOrEqual,
            G.RiverParser.PLUS => BinaryOperator.Add,
            G.RiverParser.MINUS => BinaryOperator.Subtract,
            G.RiverParser.STAR => BinaryOperator.Multiply,
            G.RiverParser.SLASH => BinaryOperator.Divide,
            G.RiverParser.PERCENT => BinaryOperator.Modulo,
            G.RiverParser.POW => BinaryOperator.Power,

            // Only reachable in a tree repaired by error recovery, which is discarded.
            _ => BinaryOperator.Add,
        };
    }

    // `unaryExpr : (NOT | MINUS)* primary postfix*`: postfixes apply to the primary first, then the prefix operators
    // from the innermost outwards.
    private Expr BuildUnary(G.RiverParser.UnaryExprContext ctx, out int depth)
    {
        var children = ctx.children;
        if (children is null || children.Count == 0)
        {
            depth = 1;
            return Placeholder(SpanOf(ctx).Start);
        }

        var primaryIndex = 0;
        while (primaryIndex < children.Count && children[primaryIndex] is ITerminalNode)
        {
            primaryIndex++;
        }

        var value = BuildPrimary(primaryIndex < children.Count ? children[primaryIndex] as G.RiverParser.PrimaryContext : null, out depth);
        for (var i = primaryIndex + 1; i < children.Count; i++)
        {
            var deepest = depth;
            switch (children[i])
            {
                case G.RiverParser.AccessPostfixContext access when access.IDENT() is { } ident:
                {
                    var name = new Identifier(ident.GetText(), SpanOf(ident));
                    value = new AccessExpr(value, name, value.Span.Union(name.Span));
                    break;
                }

                case G.RiverParser.IndexPostfixContext index:
                {
                    var indexDepth = 1;
                    var indexExpr = index.expr() is { } e ? BuildExpr(e, out indexDepth) : Placeholder(value.Span.End);
                    deepest = Math.Max(deepest, indexDepth);
                    value = new IndexExpr(value, indexExpr, value.Span.Union(SpanOf(index)));
                    break;
                }

                case G.RiverParser.CallPostfixContext call:
                {
                    var args = BuildList(call.exprList(), out var argDepth);
                    deepest = Math.Max(deepest, argDepth);
                    value = new CallExpr(value, args, value.Span.Union(SpanOf(call)));
                    break;
                }

                default:
                    continue;
            }

            depth = deepest + 1;
            CheckDepth(value, depth, deepest);
        }

        for (var i = primaryIndex - 1; i >= 0; i--)
        {
            var op = (ITerminalNode)children[i];
            var kind = op.Symbol.Type == G.RiverParser.NOT ? UnaryOperator.Not : UnaryOperator.Negate;
            value = new UnaryExpr(kind, value, new TextSpan(Start(op.Symbol), value.Span.End));
            depth++;
            CheckDepth(value, depth, depth - 1);
        }

        return value;
    }

    // The grammar accepts a newline (TERMINATOR) where a list needs a comma; see exprList in River.g4.
    private void ReportNewlineSeparator(IParseTree child, string message)
    {
        if (child is ITerminalNode { Symbol: { Type: G.RiverParser.TERMINATOR } token })
        {
            _errors.Parser(Start(token), End(token), message);
        }
    }

    private ImmutableArray<Expr> BuildList(G.RiverParser.ExprListContext? ctx, out int depth)
    {
        depth = 0;
        if (ctx?.children is null)
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<Expr>((ctx.children.Count + 1) / 2);
        foreach (var child in ctx.children)
        {
            if (child is G.RiverParser.ExprContext e)
            {
                builder.Add(BuildExpr(e, out var d));
                depth = Math.Max(depth, d);
            }
            else
            {
                ReportNewlineSeparator(child, "missing ',' in expression list");
            }
        }

        return builder.Count == builder.Capacity ? builder.MoveToImmutable() : builder.ToImmutable();
    }

    private Expr BuildPrimary(G.RiverParser.PrimaryContext? ctx, out int depth)
    {
        depth = 1;
        switch (ctx)
        {
            case G.RiverParser.IdentPrimaryContext ident:
                return new IdentifierExpr(ident.GetText(), SpanOf(ident));

            case G.RiverParser.LiteralPrimaryContext literal when literal.Start is { } token:
                return BuildLiteral(token);

            case G.RiverParser.ParenPrimaryContext paren:
            {
                var inner = paren.expr() is { } e ? BuildExpr(e, out depth) : Placeholder(SpanOf(paren).Start);
                var result = new ParenExpr(inner, SpanOf(paren));
                depth++;
                CheckDepth(result, depth, depth - 1);
                return result;
            }

            case G.RiverParser.ArrayPrimaryContext array:
            {
                var elements = BuildList(array.exprList(), out var elementDepth);
                var result = new ArrayExpr(elements, SpanOf(array));
                depth = elementDepth + 1;
                CheckDepth(result, depth, elementDepth);
                return result;
            }

            case G.RiverParser.ObjectPrimaryContext obj:
            {
                var fields = BuildFields(obj.fieldList(), out var fieldDepth);
                var result = new ObjectExpr(fields, SpanOf(obj));
                depth = fieldDepth + 1;
                CheckDepth(result, depth, fieldDepth);
                return result;
            }

            default:
                return Placeholder(ctx is null ? 0 : SpanOf(ctx).Start);
        }
    }

    private ImmutableArray<ObjectField> BuildFields(G.RiverParser.FieldListContext? ctx, out int depth)
    {
        depth = 0;
        if (ctx?.children is null)
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<ObjectField>((ctx.children.Count + 1) / 2);
        foreach (var child in ctx.children)
        {
            ReportNewlineSeparator(child, "missing ',' in field list");
            if (child is not G.RiverParser.FieldContext field || field.Start is not { } nameToken
                || nameToken.Type is not (G.RiverParser.IDENT or G.RiverParser.STRING or G.RiverParser.RAW_STRING))
            {
                continue;
            }

            var nameSpan = new TextSpan(Start(nameToken), End(nameToken));
            var raw = nameToken.Text;
            var quoted = nameToken.Type != G.RiverParser.IDENT;

            // Alloy's rule: quotes stripped, escapes kept ("a\"b" is the key a\"b); `""` is the empty key.
            var name = quoted ? (raw.Length >= 2 ? raw[1..^1] : string.Empty) : raw;
            var valueDepth = 1;
            var value = field.expr() is { } e ? BuildExpr(e, out valueDepth) : Placeholder(nameSpan.End);
            depth = Math.Max(depth, valueDepth);
            builder.Add(new ObjectField(name, quoted, nameSpan, value, SpanOf(field)));
        }

        return builder.Count == builder.Capacity ? builder.MoveToImmutable() : builder.ToImmutable();
    }

    /// <summary>The literal of a literal token (NUMBER, FLOAT, STRING, RAW_STRING, TRUE, FALSE, NULL).</summary>
    internal static LiteralExpr BuildLiteral(IToken token) =>
        BuildLiteral(token.Type, token.Text, new TextSpan(Start(token), End(token)));

    /// <summary>The literal of a literal token given by type, raw text and span.</summary>
    internal static LiteralExpr BuildLiteral(int type, string raw, TextSpan span) => type switch
    {
        G.RiverParser.NUMBER => new LiteralExpr(LiteralKind.Number, raw, null, span),
        G.RiverParser.FLOAT => new LiteralExpr(LiteralKind.Float, raw, null, span),
        G.RiverParser.STRING => new LiteralExpr(LiteralKind.String, raw, StringLiterals.Decode(raw), span),
        G.RiverParser.RAW_STRING => new LiteralExpr(LiteralKind.RawString, raw, StringLiterals.DecodeRaw(raw), span),
        G.RiverParser.TRUE or G.RiverParser.FALSE => new LiteralExpr(LiteralKind.Bool, raw, null, span),
        _ => new LiteralExpr(LiteralKind.Null, raw, null, span),
    };
}
