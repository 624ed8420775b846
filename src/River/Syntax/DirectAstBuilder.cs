using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Antlr4.Runtime;
using River.Diagnostics;
using G = River.Syntax.Generated;

namespace River.Syntax;

/// <summary>
/// The generated parser, run without a parse tree: every rule entry and exit is reported to a
/// <see cref="DirectAstBuilder"/> with the token index where the rule starts or ends (and, at the exit, the rule's
/// context, whose type names the labelled alternative taken), and the builder makes the AST bottom-up on an explicit
/// stack. No token object is made on this path.
/// Used for the fast first pass (SLL prediction, bail at the first syntax error); the recovering second pass still
/// builds a parse tree for <see cref="AstBuilder"/>.
/// </summary>
/// <remarks>
/// Overriding <see cref="Parser.EnterRule"/>, <see cref="Parser.ExitRule"/>, <see cref="Parser.Match"/> and
/// <see cref="Parser.Consume"/> instead of registering a parse listener matters: with a listener ANTLR creates and
/// attaches a terminal node for every consumed token, and the base methods make a token object for every token and
/// rule boundary; here the stream hands out token types only.
/// </remarks>
internal sealed class AstBuildingParser : G.RiverParser
{
    private readonly DirectAstBuilder _builder;

    public AstBuildingParser(ITokenStream input, DirectAstBuilder builder)
        : base(input, TextWriter.Null, TextWriter.Null)
    {
        _builder = builder;
        BuildParseTree = false;
        RemoveErrorListeners();
        Interpreter.PredictionMode = Antlr4.Runtime.Atn.PredictionMode.SLL;
        ErrorHandler = new Bail(this);
    }

    /// <summary>Set once the parse is being abandoned; rule exits during the unwinding are ignored.</summary>
    public bool Abandoned { get; private set; }

    // Rule entry and exit without ANTLR's bookkeeping of start and stop tokens: those would be token objects, and the
    // builder only needs their indices, which the stream position gives.
    public override void EnterRule(ParserRuleContext localctx, int state, int ruleIndex)
    {
        State = state;
        Context = localctx;
        _builder.Enter(TokenStream.Index);
    }

    public override void ExitRule()
    {
        var ctx = Context;
        if (!Abandoned)
        {
            _builder.Exit(ctx, TokenStream.Index - 1);
        }

        State = ctx.invokingState;
        Context = (ParserRuleContext)ctx.Parent;
    }

    // Matching and consuming only move the stream: the generated rules never read the returned token (the grammar
    // has no labels), so no token object is made. A mismatch goes to the base class, which bails.
    public override IToken Match(int ttype)
    {
        if (TokenStream.LA(1) != ttype)
        {
            return base.Match(ttype);
        }

        ErrorHandler.ReportMatch(this);
        if (ttype != TokenConstants.EOF)
        {
            TokenStream.Consume();
        }

        return null!;
    }

    public override IToken Consume()
    {
        if (TokenStream.LA(1) != TokenConstants.EOF)
        {
            TokenStream.Consume();
        }

        return null!;
    }

    // BailErrorStrategy throws from Recover/RecoverInline; the `finally { ExitRule(); }` blocks of the generated rules
    // then run for every open rule, and must not touch the half-built stack.
    private sealed class Bail(AstBuildingParser owner) : BailErrorStrategy
    {
        public override void Recover(Parser recognizer, RecognitionException e)
        {
            owner.Abandoned = true;
            base.Recover(recognizer, e);
        }

        public override IToken RecoverInline(Parser recognizer)
        {
            owner.Abandoned = true;
            return base.RecoverInline(recognizer);
        }
    }
}

/// <summary>
/// Builds the immutable AST from rule-exit events of a successful parse (see <see cref="AstBuildingParser"/>). It
/// reports exactly what <see cref="AstBuilder"/> reports for the same (error-free) parse tree — dotted or labelled
/// attribute names, bad labels, a block used as a value, missing commas, excessive nesting — but keeps the reports
/// pending until <see cref="Flush"/>, because a bailed first pass is thrown away and re-parsed.
/// </summary>
/// <remarks>
/// Each rule's results are slots on one stack; <see cref="Enter"/> remembers the stack height, so at a rule's exit the
/// slots above that mark are its children's results. Tokens are read straight from the scanner's array by index
/// (operators, names, separators), so no token needs a tree node.
/// </remarks>
internal sealed class DirectAstBuilder
{
    private readonly SourceFile _file;
    private readonly ScannedToken[] _tokens;
    private readonly string _text;
    private readonly ImmutableArray<Comment> _comments;
    private readonly List<(int Start, int End, string Message)> _pending = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    private readonly List<(Expr Expr, int Depth)> _operands = [];
    private readonly List<BinaryOperator> _operators = [];
    private Slot[] _slots = new Slot[64];
    private int _count;
    private int[] _marks = new int[64];
    private int[] _firsts = new int[64];
    private int _markCount;

    public DirectAstBuilder(SourceFile file, ScannedToken[] tokens, ImmutableArray<Comment> comments)
    {
        _file = file;
        _text = file.Text;
        _tokens = tokens;
        _comments = comments;
        _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The file after a successful <c>file</c> rule.</summary>
    public ConfigFile? File { get; private set; }

    /// <summary>The expression after a successful <c>expressionOnly</c> rule.</summary>
    public Expr? Expression { get; private set; }

    /// <summary>Hands the pending reports to <paramref name="errors"/>, in the order they were found.</summary>
    public void Flush(SyntaxErrorCollector errors)
    {
        foreach (var (start, end, message) in _pending)
        {
            errors.Parser(start, end, message);
        }

        _pending.Clear();
    }

    /// <summary>Called when any rule is entered, with the index of its first token.</summary>
    public void Enter(int firstToken)
    {
        if (_markCount == _marks.Length)
        {
            Array.Resize(ref _marks, _marks.Length * 2);
            Array.Resize(ref _firsts, _firsts.Length * 2);
        }

        _firsts[_markCount] = firstToken;
        _marks[_markCount++] = _count;
    }

    /// <summary>Called when a rule is left, with the index of its last token; the context gives the labelled alternative.</summary>
    public void Exit(ParserRuleContext ctx, int last)
    {
        var mark = _marks[--_markCount];
        var first = _firsts[_markCount];
        switch (ctx.RuleIndex)
        {
            case G.RiverParser.RULE_file:
                File = new ConfigFile(_file, Statements(mark), _comments, new TextSpan(0, _file.Text.Length));
                break;
            case G.RiverParser.RULE_expressionOnly:
                Expression = (Expr)_slots[mark].Node!;
                break;
            case G.RiverParser.RULE_body:
                ExitBody(mark);
                break;
            case G.RiverParser.RULE_statement:
                ExitStatement(mark, first, last);
                break;
            case G.RiverParser.RULE_blockName:
                ExitBlockName(mark, first, last);
                break;
            case G.RiverParser.RULE_blockValue:
                // The body's slot becomes the block value's: only its extent is needed.
                _slots[mark] = new Slot(BlockValueMarker, 0, first, last);
                _count = mark + 1;
                break;
            case G.RiverParser.RULE_expr:
                ExitExpr(mark, first, last);
                break;
            case G.RiverParser.RULE_unaryExpr:
                ExitUnary(mark, first, last);
                break;
            case G.RiverParser.RULE_postfix:
                ExitPostfix(ctx, mark, first, last);
                break;
            case G.RiverParser.RULE_primary:
                ExitPrimary(ctx, mark, first, last);
                break;
            case G.RiverParser.RULE_exprList:
                ReportNewlineSeparators(mark, last, "missing ',' in expression list");
                break;
            case G.RiverParser.RULE_fieldList:
                ReportNewlineSeparators(mark, last, "missing ',' in field list");
                break;
            case G.RiverParser.RULE_field:
                ExitField(mark, first, last);
                break;

            // blockLabel and statementRest leave their children's slots for the statement to read.
            default:
                break;
        }
    }

    private static readonly object BlockValueMarker = new();

    private TextSpan SpanOf(int first, int last)
    {
        var start = _tokens[first].StartIndex;
        return new TextSpan(start, Math.Max(start, _tokens[last].End));
    }

    private void Push(in Slot slot)
    {
        if (_count == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
        }

        _slots[_count++] = slot;
    }

    private void Report(int start, int end, string message) => _pending.Add((start, end, message));

    private void CheckDepth(Expr expr, int depth, int deepestChild)
    {
        if (depth > SyntaxLimits.MaxExpressionDepth && deepestChild <= SyntaxLimits.MaxExpressionDepth)
        {
            Report(expr.Span.Start, expr.Span.End, $"expression nesting exceeds the limit of {SyntaxLimits.MaxExpressionDepth}");
        }
    }

    // Identifiers repeat a lot in configurations (attribute names, component names): one string per distinct name.
    private string Name(in ScannedToken token)
    {
        var span = _text.AsSpan(token.StartIndex, token.End - token.StartIndex);
        if (_nameLookup.TryGetValue(span, out var name))
        {
            return name;
        }

        name = span.ToString();
        _names.Add(name);
        return name;
    }

    private ImmutableArray<Statement> Statements(int mark)
    {
        // The body's slot holds its statements as an array (see ExitBody).
        return mark < _count && _slots[mark].Node is Statement[] statements
            ? ImmutableCollectionsMarshal.AsImmutableArray(statements)
            : [];
    }

    private void ExitBody(int mark)
    {
        var n = _count - mark;
        var statements = n == 0 ? [] : new Statement[n];
        for (var i = 0; i < n; i++)
        {
            statements[i] = (Statement)_slots[mark + i].Node!;
        }

        _count = mark;
        Push(new Slot(statements, 0, 0, 0));
    }

    private void ExitBlockName(int mark, int first, int stop)
    {
        var last = stop;
        ScannedToken? label = null;
        if (_tokens[last].Type is G.RiverParser.STRING or G.RiverParser.RAW_STRING)
        {
            label = _tokens[last];
            last--;
        }

        var parts = new Identifier[(last - first) / 2 + 1];
        for (var i = 0; i < parts.Length; i++)
        {
            var token = _tokens[first + (2 * i)];
            parts[i] = new Identifier(Name(token), new TextSpan(token.StartIndex, token.End));
        }

        var info = new NameInfo(ImmutableCollectionsMarshal.AsImmutableArray(parts));

        // The token after the name says what the statement is (the same checks, in the same order, as AstBuilder).
        if (_tokens[stop + 1].Type == G.RiverParser.ASSIGN)
        {
            var nameSpan = parts[0].Span.Union(parts[^1].Span);
            if (parts.Length > 1)
            {
                Report(nameSpan.Start, nameSpan.End, "attribute names may only consist of a single identifier with no \".\"");
            }
            else if (label is { } l)
            {
                Report(l.StartIndex, l.End, "attribute names may not have labels");
            }
        }
        else if (label is { } l)
        {
            BuildLabel(l, info);
        }

        _count = mark;
        Push(new Slot(info, 0, first, stop));
    }

    private void BuildLabel(in ScannedToken token, NameInfo info)
    {
        var span = new TextSpan(token.StartIndex, token.End);
        info.LabelSpan = span;
        var raw = _text[token.StartIndex..token.End];
        if (token.Type == G.RiverParser.RAW_STRING)
        {
            Report(span.Start, span.End, $"expected block label to be a double quoted string, but got {StringLiterals.GoQuote(raw)}");
            return;
        }

        var label = raw.Length >= 2 ? raw[1..^1] : string.Empty;
        if (label.Length == 0)
        {
            return;
        }

        if (!Identifiers.IsValid(label))
        {
            Report(span.Start, span.End, $"expected block label to be a valid identifier, but got {StringLiterals.GoQuote(label)}");
        }

        info.Label = label;
    }

    private void ExitStatement(int mark, int first, int last)
    {
        var name = (NameInfo)_slots[mark].Node!;
        var nameStop = _slots[mark].StopToken;
        var span = SpanOf(first, last);
        Statement statement;
        if (_tokens[nameStop + 1].Type == G.RiverParser.ASSIGN)
        {
            var value = (Expr)_slots[mark + 1].Node!;
            if (_count - mark > 2 && _slots[mark + 2].Node == BlockValueMarker)
            {
                ReportBlockValue(value, _slots[mark + 2]);
            }

            statement = new AttributeStatement(name.Parts[0], value, span);
        }
        else
        {
            var body = Statements(mark + 1);
            var bodyStart = _tokens[nameStop + 1].StartIndex;
            var bodyEnd = _tokens[last].End;
            statement = new BlockStatement(name.Parts, name.Label, name.LabelSpan, body, new TextSpan(bodyStart, Math.Max(bodyStart, bodyEnd)), span);
        }

        _count = mark;
        Push(new Slot(statement, 0, first, last));
    }

    private void ReportBlockValue(Expr value, in Slot blockValue)
    {
        if (IsName(value))
        {
            var span = value.Span.Union(new TextSpan(_tokens[blockValue.StartToken].StartIndex, _tokens[blockValue.StopToken].End));
            Report(span.Start, span.End, "cannot use a block as an expression");
        }
        else
        {
            var token = _tokens[blockValue.StartToken];
            Report(token.StartIndex, token.End, $"expected TERMINATOR, got {RiverTokens.DisplayName(token.Type)}");
        }
    }

    private static bool IsName(Expr expr)
    {
        while (expr is AccessExpr access)
        {
            expr = access.Value;
        }

        return expr is IdentifierExpr;
    }

    // `expr : unaryExpr (op unaryExpr)*`: the operands are the slots above the mark; the operator before operand i is
    // the token just before its first token. Precedence climbing with reused explicit stacks, as in AstBuilder.
    private void ExitExpr(int mark, int first, int last)
    {
        var n = _count - mark;
        if (n == 1)
        {
            _slots[mark].StartToken = first;
            _slots[mark].StopToken = last;
            return;
        }

        var operands = _operands;
        var operators = _operators;
        operands.Clear();
        operators.Clear();
        operands.Add(((Expr)_slots[mark].Node!, _slots[mark].Depth));
        for (var i = 1; i < n; i++)
        {
            ref var slot = ref _slots[mark + i];
            var op = AstBuilder.OperatorOf(_tokens[slot.StartToken - 1].Type);
            var precedence = AstBuilder.Precedence(op);
            while (operators.Count > 0)
            {
                var top = AstBuilder.Precedence(operators[^1]);
                if (top > precedence || (top == precedence && op != BinaryOperator.Power))
                {
                    Reduce();
                }
                else
                {
                    break;
                }
            }

            operators.Add(op);
            operands.Add(((Expr)slot.Node!, slot.Depth));
        }

        while (operators.Count > 0)
        {
            Reduce();
        }

        var (result, depth) = operands[0];
        _count = mark;
        Push(new Slot(result, depth, first, last));
    }

    private void Reduce()
    {
        var operands = _operands;
        var (right, rightDepth) = operands[^1];
        var (left, leftDepth) = operands[^2];
        operands.RemoveAt(operands.Count - 1);
        var op = _operators[^1];
        _operators.RemoveAt(_operators.Count - 1);
        var deepest = Math.Max(leftDepth, rightDepth);
        var node = new BinaryExpr(op, left, right, left.Span.Union(right.Span));
        CheckDepth(node, deepest + 1, deepest);
        operands[^1] = (node, deepest + 1);
    }

    // `unaryExpr : (NOT | MINUS)* primary postfix*`: the postfixes are already applied (ExitPostfix); the prefix
    // operators are the tokens before the primary's first token, applied innermost first.
    private void ExitUnary(int mark, int first, int last)
    {
        ref var slot = ref _slots[mark];
        var value = (Expr)slot.Node!;
        var depth = slot.Depth;
        for (var i = slot.StartToken - 1; i >= first; i--)
        {
            var op = _tokens[i];
            var kind = op.Type == G.RiverParser.NOT ? UnaryOperator.Not : UnaryOperator.Negate;
            value = new UnaryExpr(kind, value, new TextSpan(op.StartIndex, value.Span.End));
            depth++;
            CheckDepth(value, depth, depth - 1);
        }

        slot = new Slot(value, depth, first, last);
        _count = mark + 1;
    }

    // A postfix applies to the value in the slot just below its mark (the primary, or the previous postfix's result).
    private void ExitPostfix(ParserRuleContext ctx, int mark, int first, int last)
    {
        ref var target = ref _slots[mark - 1];
        var value = (Expr)target.Node!;
        var depth = target.Depth;
        var deepest = depth;
        switch (ctx)
        {
            case G.RiverParser.AccessPostfixContext:
            {
                var token = _tokens[last];
                var name = new Identifier(Name(token), new TextSpan(token.StartIndex, token.End));
                value = new AccessExpr(value, name, value.Span.Union(name.Span));
                break;
            }

            case G.RiverParser.IndexPostfixContext:
            {
                var index = (Expr)_slots[mark].Node!;
                deepest = Math.Max(deepest, _slots[mark].Depth);
                value = new IndexExpr(value, index, value.Span.Union(SpanOf(first, last)));
                break;
            }

            default:
            {
                var args = Elements(mark, out var argDepth);
                deepest = Math.Max(deepest, argDepth);
                value = new CallExpr(value, args, value.Span.Union(SpanOf(first, last)));
                break;
            }
        }

        depth = deepest + 1;
        CheckDepth(value, depth, deepest);
        target.Node = value;
        target.Depth = depth;
        _count = mark;
    }

    private void ExitPrimary(ParserRuleContext ctx, int mark, int first, int last)
    {
        Expr result;
        var depth = 1;
        switch (ctx)
        {
            case G.RiverParser.IdentPrimaryContext:
            {
                var token = _tokens[first];
                result = new IdentifierExpr(Name(token), new TextSpan(token.StartIndex, token.End));
                break;
            }

            case G.RiverParser.LiteralPrimaryContext:
            {
                var token = _tokens[first];
                result = AstBuilder.BuildLiteral(token.Type, _text[token.StartIndex..token.End], new TextSpan(token.StartIndex, token.End));
                break;
            }

            case G.RiverParser.ParenPrimaryContext:
                depth = _slots[mark].Depth + 1;
                result = new ParenExpr((Expr)_slots[mark].Node!, SpanOf(first, last));
                CheckDepth(result, depth, depth - 1);
                break;

            case G.RiverParser.ArrayPrimaryContext:
            {
                var elements = Elements(mark, out var elementDepth);
                result = new ArrayExpr(elements, SpanOf(first, last));
                depth = elementDepth + 1;
                CheckDepth(result, depth, elementDepth);
                break;
            }

            default:
            {
                var n = _count - mark;
                var fields = n == 0 ? [] : new ObjectField[n];
                var fieldDepth = 0;
                for (var i = 0; i < n; i++)
                {
                    fields[i] = (ObjectField)_slots[mark + i].Node!;
                    fieldDepth = Math.Max(fieldDepth, _slots[mark + i].Depth);
                }

                result = new ObjectExpr(ImmutableCollectionsMarshal.AsImmutableArray(fields), SpanOf(first, last));
                depth = fieldDepth + 1;
                CheckDepth(result, depth, fieldDepth);
                break;
            }
        }

        _count = mark;
        Push(new Slot(result, depth, first, last));
    }

    private ImmutableArray<Expr> Elements(int mark, out int depth)
    {
        depth = 0;
        var n = _count - mark;
        if (n == 0)
        {
            return [];
        }

        var elements = new Expr[n];
        for (var i = 0; i < n; i++)
        {
            elements[i] = (Expr)_slots[mark + i].Node!;
            depth = Math.Max(depth, _slots[mark + i].Depth);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(elements);
    }

    // The grammar accepts a newline (TERMINATOR) where a list needs a comma; the separator after an element is the
    // token after the element's last token. The elements stay on the stack for the enclosing rule.
    private void ReportNewlineSeparators(int mark, int last, string message)
    {
        var stop = last;
        for (var i = mark; i < _count; i++)
        {
            var next = _slots[i].StopToken + 1;
            if (next <= stop && _tokens[next].Type == G.RiverParser.TERMINATOR)
            {
                Report(_tokens[next].StartIndex, _tokens[next].End, message);
            }
        }
    }

    private void ExitField(int mark, int first, int last)
    {
        var nameToken = _tokens[first];
        var nameSpan = new TextSpan(nameToken.StartIndex, nameToken.End);
        var quoted = nameToken.Type != G.RiverParser.IDENT;

        // Alloy's rule: quotes stripped, escapes kept ("a\"b" is the key a\"b); `""` is the empty key.
        var name = quoted
            ? (nameToken.End - nameToken.StartIndex >= 2 ? _text.Substring(nameToken.StartIndex + 1, nameToken.End - nameToken.StartIndex - 2) : string.Empty)
            : Name(nameToken);
        var value = (Expr)_slots[mark].Node!;
        var depth = _slots[mark].Depth;
        var field = new ObjectField(name, quoted, nameSpan, value, SpanOf(first, last));
        _count = mark;
        Push(new Slot(field, depth, first, last));
    }

    /// <summary>One result on the stack: a node (or statement array, name, marker), its expression depth and token extent.</summary>
    private struct Slot(object? node, int depth, int startToken, int stopToken)
    {
        public object? Node = node;
        public int Depth = depth;
        public int StartToken = startToken;
        public int StopToken = stopToken;
    }

    private sealed class NameInfo(ImmutableArray<Identifier> parts)
    {
        public ImmutableArray<Identifier> Parts { get; } = parts;

        public string? Label { get; set; }

        public TextSpan LabelSpan { get; set; }
    }
}
