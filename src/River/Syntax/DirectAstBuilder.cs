using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Antlr4.Runtime;
using River.Diagnostics;
using G = River.Syntax.Generated;

namespace River.Syntax;

/// <summary>
/// The generated parser, run without a parse tree: every rule entry and exit is reported to a
/// <see cref="DirectAstBuilder"/> with the token index where the rule starts or ends (and, at the exit, the rule),
/// and the builder makes the AST bottom-up on an explicit stack. No token object is made on this path.
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

    // The context objects of the fast rules, one per rule and nesting depth, reused by every invocation at that depth:
    // a context is only the link to its caller here (no parse tree, no start or stop token), and a rule invocation at
    // a depth ends before the next one at that depth starts. A new object per invocation was about a tenth of a parse's
    // allocations.
    private G.RiverParser.FastBodyContext?[] _bodies = new G.RiverParser.FastBodyContext?[16];
    private G.RiverParser.FastExprContext?[] _exprs = new G.RiverParser.FastExprContext?[16];

    // The number of rule invocations open now (the nesting depth of the next one).
    private int _open;

    /// <summary>Set once the parse is being abandoned; rule exits during the unwinding are ignored.</summary>
    public bool Abandoned { get; private set; }

    protected override FastBodyContext NewFastBodyContext(ParserRuleContext parent, int invokingState) =>
        Reuse(ref _bodies, parent, invokingState, static (p, s) => new FastBodyContext(p, s));

    protected override FastExprContext NewFastExprContext(ParserRuleContext parent, int invokingState) =>
        Reuse(ref _exprs, parent, invokingState, static (p, s) => new FastExprContext(p, s));

    private T Reuse<T>(ref T?[] contexts, ParserRuleContext parent, int invokingState, Func<ParserRuleContext, int, T> make)
        where T : ParserRuleContext
    {
        if (_open >= contexts.Length)
        {
            Array.Resize(ref contexts, contexts.Length * 2);
        }

        var context = contexts[_open];
        if (context is null)
        {
            return contexts[_open] = make(parent, invokingState);
        }

        context.Parent = parent;
        context.invokingState = invokingState;
        return context;
    }

    // Rule entry and exit without ANTLR's bookkeeping of start and stop tokens: those would be token objects, and the
    // builder only needs their indices, which the stream position gives.
    public override void EnterRule(ParserRuleContext localctx, int state, int ruleIndex)
    {
        State = state;
        Context = localctx;
        _open++;
        _builder.Enter(TokenStream.Index);
    }

    public override void ExitRule()
    {
        var ctx = Context;
        _open--;
        if (!Abandoned)
        {
            _builder.Exit(ctx.RuleIndex, TokenStream.Index - 1);
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
/// Builds the immutable AST from the rule-exit events of the fast rules of grammar/River.g4 (<c>fastFile</c>,
/// <c>fastExpr</c>, ...; see <see cref="AstBuildingParser"/>). Those rules accept only constructs that can be valid,
/// and everything the parse-tree path would report beyond a syntax error (an invalid block label, nesting beyond
/// <see cref="SyntaxLimits.MaxExpressionDepth"/>) makes this builder give up (<see cref="Failed"/>): the input is then
/// parsed again by the recovering parser, whose <see cref="AstBuilder"/> reports it. So on success the AST is exactly
/// the parse-tree path's, and there is nothing to report.
/// </summary>
/// <remarks>
/// Each rule's results are slots on one stack; <see cref="Enter"/> remembers the stack height, so at a rule's exit the
/// slots above that mark are the results of its nested rules, in order. A <c>fastExpr</c> is one rule for a whole
/// operator chain, so its exit reads the chain back from the scanner's token array (prefix operators, leaf
/// operands, postfixes, binary operators), taking a slot for each expression nested in brackets, and applies Alloy's precedence
/// table without recursion.
/// </remarks>
internal sealed class DirectAstBuilder
{
    private readonly SourceFile _file;
    private readonly ScannedToken[] _tokens;
    private readonly string _text;
    private readonly ImmutableArray<Comment> _comments;
    private readonly StringCache _strings = StringCache.ForThisThread;
    private readonly List<(Expr Expr, int Depth)> _operands = [];
    private readonly List<BinaryOperator> _operators = [];
    private readonly List<Statement> _statements = [];
    private readonly List<Expr> _elements = [];
    private readonly List<ObjectField> _fields = [];
    // Rented: a file's top-level statements all sit on this stack until the file ends, so for a large file it is a
    // large-object array (returned by Release).
    private Slot[] _slots = ArrayPool<Slot>.Shared.Rent(64);
    private int _count;
    private int[] _marks = new int[64];
    private int[] _firsts = new int[64];
    private int _markCount;

    // Identifier expressions made so far, and the count when each open rule was entered: a body whose count did not
    // change has no identifier in it, hence no reference (BlockStatement.HasNoIdentifiers).
    private int _identifiers;
    private int[] _identifierMarks = new int[64];

    public DirectAstBuilder(SourceFile file, ScannedToken[] tokens, ImmutableArray<Comment> comments)
    {
        _file = file;
        _text = file.Text;
        _tokens = tokens;
        _comments = comments;
    }

    /// <summary>The file after a successful <c>fastFile</c> rule.</summary>
    public ConfigFile? File { get; private set; }

    /// <summary>The expression after a successful <c>fastExpressionOnly</c> rule.</summary>
    public Expr? Expression { get; private set; }

    /// <summary>
    /// True when the input needs a diagnostic the fast path does not make; the events that follow are ignored and
    /// the caller parses again with the recovering parser.
    /// </summary>
    public bool Failed { get; private set; }

    /// <summary>Called when any rule is entered, with the index of its first token.</summary>
    public void Enter(int firstToken)
    {
        if (_markCount == _marks.Length)
        {
            Array.Resize(ref _marks, _marks.Length * 2);
            Array.Resize(ref _firsts, _firsts.Length * 2);
            Array.Resize(ref _identifierMarks, _identifierMarks.Length * 2);
        }

        _identifierMarks[_markCount] = _identifiers;
        _firsts[_markCount] = firstToken;
        _marks[_markCount++] = _count;
    }

    /// <summary>Called when a rule is left, with the index of its last token.</summary>
    public void Exit(int ruleIndex, int last)
    {
        var mark = _marks[--_markCount];
        var first = _firsts[_markCount];
        if (Failed)
        {
            return;
        }

        switch (ruleIndex)
        {
            case G.RiverParser.RULE_fastExpr:
                ExitExpr(mark, first, last);
                break;
            case G.RiverParser.RULE_fastBody:
                ExitBody(mark, first, last, _identifierMarks[_markCount]);
                break;
            case G.RiverParser.RULE_fastFile:
                File = new ConfigFile(_file, Statements(_slots[mark]), _comments, new TextSpan(0, _text.Length));
                break;
            case G.RiverParser.RULE_fastExpressionOnly:
                Expression = (Expr)_slots[mark].Node!;
                break;
            default:
                // Only the fast rules run on this path.
                Failed = true;
                break;
        }
    }

    private TextSpan SpanOf(int first, int last)
    {
        var start = _tokens[first].StartIndex;
        return new TextSpan(start, Math.Max(start, _tokens[last].End));
    }

    private TextSpan SpanOf(in ScannedToken token) => new(token.StartIndex, token.End);

    /// <summary>Gives the builder's stack back to the pool; the builder is not used after this.</summary>
    public void Release()
    {
        ArrayPool<Slot>.Shared.Return(_slots, clearArray: true);
        _slots = [];
    }

    private void Push(object? node, int depth, int startToken, int stopToken)
    {
        if (_count == _slots.Length)
        {
            var bigger = ArrayPool<Slot>.Shared.Rent(_slots.Length * 2);
            _slots.AsSpan(0, _count).CopyTo(bigger);
            ArrayPool<Slot>.Shared.Return(_slots, clearArray: true);
            _slots = bigger;
        }

        _slots[_count++] = new Slot(node, depth, startToken, stopToken);
    }

    // The parse-tree path reports an expression nested deeper than the limit; here that means giving way to it.
    private bool TooDeep(int depth)
    {
        if (depth > SyntaxLimits.MaxExpressionDepth)
        {
            Failed = true;
            return true;
        }

        return false;
    }

    // Names and literal texts repeat a lot in configurations (attribute names, component names, label values, units,
    // flags): one string per distinct text where the thread's cache has it, which also means fewer objects for the
    // garbage collector to copy.
    private string Intern(ReadOnlySpan<char> span) => _strings.Get(span);

    private string Name(in ScannedToken token) => Intern(_text.AsSpan(token.StartIndex, token.End - token.StartIndex));

    // A body's slot holds its statements as an array (see ExitBody).
    private static ImmutableArray<Statement> Statements(in Slot body) => ImmutableCollectionsMarshal.AsImmutableArray((Statement[])body.Node!);

    // `(statement)? (TERMINATOR (statement)?)*`, read back from the tokens: each attribute's value and each block's
    // body are the slots above the mark, in order.
    private void ExitBody(int mark, int first, int last, int identifiersBefore)
    {
        var statements = _statements;
        statements.Clear();
        var next = mark;
        var pos = first;
        while (pos <= last)
        {
            if (_tokens[pos].Type == G.RiverParser.TERMINATOR)
            {
                pos++;
                continue;
            }

            var statement = Statement(pos, ref next, out var statementLast);
            if (statement is null)
            {
                return;
            }

            statements.Add(statement);
            pos = statementLast + 1;
        }

        var array = statements.Count == 0 ? [] : statements.ToArray();
        _count = mark;
        Push(array, 0, first, last);
        // Counted after the statements: a single-token attribute value becomes its leaf only now.
        _slots[_count - 1].Identifiers = _identifiers != identifiersBefore;
    }

    // `IDENT (ASSIGN fastExpr | (DOT IDENT)* STRING? LCURLY fastBody RCURLY)` starting at token first; null when the
    // block label is not an identifier (reported by the parse-tree path).
    private Statement? Statement(int first, ref int next, out int last)
    {
        var tokens = _tokens;
        var nameToken = tokens[first];
        if (tokens[first + 1].Type == G.RiverParser.ASSIGN)
        {
            var value = Value(first + 2, ref next, out last, out _);
            return new AttributeStatement(Name(nameToken), SpanOf(nameToken), value, SpanOf(first, last));
        }

        var stop = first;
        while (tokens[stop + 1].Type == G.RiverParser.DOT)
        {
            stop += 2;
        }

        // Written without spaces or comments inside (tokens end to end), the name is one shared string.
        var compact = true;
        for (var i = first; i < stop && compact; i++)
        {
            compact = tokens[i].End == tokens[i + 1].StartIndex;
        }

        Identifier[]? parts = null;
        if (!compact)
        {
            parts = new Identifier[((stop - first) / 2) + 1];
            for (var i = 0; i < parts.Length; i++)
            {
                var token = tokens[first + (2 * i)];
                parts[i] = new Identifier(Name(token), SpanOf(token));
            }
        }

        string? label = null;
        var labelSpan = default(TextSpan);
        var open = stop + 1;
        if (tokens[open].Type == G.RiverParser.STRING)
        {
            var labelToken = tokens[open];
            labelSpan = SpanOf(labelToken);

            // The label is the text between the quotes, unescaped (an escape makes it an invalid identifier).
            var inner = _text.AsSpan(labelToken.StartIndex + 1, Math.Max(0, labelToken.End - labelToken.StartIndex - 2));
            if (inner.Length > 0)
            {
                if (!IsIdentifier(inner))
                {
                    Failed = true;
                    last = open;
                    return null;
                }

                // Not shared: a component's label is unique among its kind, so a table of them would only grow.
                label = inner.ToString();
            }

            open++;
        }

        // The body's slot spans the tokens between the braces (none for `{}`), so the closing brace follows it.
        ref var body = ref _slots[next++];
        last = body.StopToken + 1;
        var bodyStart = tokens[open].StartIndex;
        var bodySpan = new TextSpan(bodyStart, Math.Max(bodyStart, tokens[last].End));
        var block = parts is null
            ? new BlockStatement(
                Intern(_text.AsSpan(nameToken.StartIndex, tokens[stop].End - nameToken.StartIndex)), nameToken.StartIndex, label, labelSpan, Statements(body), bodySpan, SpanOf(first, last))
            : new BlockStatement(ImmutableCollectionsMarshal.AsImmutableArray(parts), label, labelSpan, Statements(body), bodySpan, SpanOf(first, last));
        block.HasNoIdentifiers = !body.Identifiers;
        return block;
    }

    // Identifiers.IsValid without making a string first: ASCII letters, digits and `_` decided inline, anything else
    // (and the keywords) by the general check.
    private static bool IsIdentifier(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c >= 128)
            {
                return Identifiers.IsValid(text.ToString());
            }
        }

        if (text[0] is >= '0' and <= '9' || text is "true" or "false" or "null")
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_'))
            {
                return false;
            }
        }

        return true;
    }

    // A bracketed primary of a fastExpr starting at token open: `LPAREN fastExpr RPAREN`, `LBRACK elements RBRACK` or
    // `LCURLY fields RCURLY`. The nested expressions are the next slots (from next on), in token order. Sets close to
    // the closing token; null when nested too deep (the parse-tree path reports that).
    private Expr? Bracketed(int open, ref int next, out int close, out int depth)
    {
        var tokens = _tokens;
        var pos = open + 1;
        Expr result;
        switch (tokens[open].Type)
        {
            case G.RiverParser.LPAREN:
            {
                ref var inner = ref _slots[next++];
                close = inner.StopToken + 1;
                depth = inner.Depth + 1;
                result = new ParenExpr((Expr)inner.Node!, SpanOf(open, close));
                break;
            }

            case G.RiverParser.LBRACK:
            {
                var elements = _elements;
                elements.Clear();
                var elementDepth = 0;
                while (tokens[pos].Type != G.RiverParser.RBRACK)
                {
                    elements.Add(Value(pos, ref next, out var valueLast, out var valueDepth));
                    elementDepth = Math.Max(elementDepth, valueDepth);
                    pos = valueLast + 1;
                    if (tokens[pos].Type == G.RiverParser.COMMA)
                    {
                        pos++;
                    }
                }

                close = pos;
                depth = elementDepth + 1;
                var array = elements.Count == 0 ? ImmutableArray<Expr>.Empty : ImmutableCollectionsMarshal.AsImmutableArray(elements.ToArray());
                result = new ArrayExpr(array, SpanOf(open, close));
                break;
            }

            default:
            {
                var fields = _fields;
                fields.Clear();
                var fieldDepth = 0;
                while (tokens[pos].Type != G.RiverParser.RCURLY)
                {
                    // A field is `key = value`.
                    var keyToken = tokens[pos];
                    var quoted = keyToken.Type != G.RiverParser.IDENT;

                    // Alloy's rule: quotes stripped, escapes kept ("a\"b" is the key a\"b); `""` is the empty key.
                    var key = quoted
                        ? Intern(_text.AsSpan(keyToken.StartIndex + 1, Math.Max(0, keyToken.End - keyToken.StartIndex - 2)))
                        : Name(keyToken);
                    var value = Value(pos + 2, ref next, out var valueLast, out var valueDepth);
                    fields.Add(new ObjectField(key, quoted, SpanOf(keyToken), value, SpanOf(pos, valueLast)));
                    fieldDepth = Math.Max(fieldDepth, valueDepth);
                    pos = valueLast + 1;
                    if (tokens[pos].Type == G.RiverParser.COMMA)
                    {
                        pos++;
                    }
                }

                close = pos;
                depth = fieldDepth + 1;
                var array = fields.Count == 0 ? ImmutableArray<ObjectField>.Empty : ImmutableCollectionsMarshal.AsImmutableArray(fields.ToArray());
                result = new ObjectExpr(array, SpanOf(open, close));
                break;
            }
        }

        return TooDeep(depth) ? null : result;
    }

    // A value (attribute value, array element, object field value) starting at token at: the next slot when a
    // fastExpr starts there, else the single leaf token the fast rules matched directly.
    private Expr Value(int at, ref int next, out int last, out int depth)
    {
        if (next < _count && _slots[next].StartToken == at)
        {
            ref var slot = ref _slots[next++];
            last = slot.StopToken;
            depth = slot.Depth;
            return (Expr)slot.Node!;
        }

        last = at;
        depth = 1;
        return Leaf(_tokens[at]);
    }

    private Expr Leaf(in ScannedToken token) =>
        token.Type == G.RiverParser.IDENT ? Identifier(token) : Literal(token);

    private IdentifierExpr Identifier(in ScannedToken token)
    {
        _identifiers++;
        return new IdentifierExpr(Name(token), SpanOf(token));
    }

    private ImmutableArray<Expr> Elements(int from, int n, out int depth)
    {
        depth = 0;
        if (n == 0)
        {
            return [];
        }

        var elements = new Expr[n];
        for (var i = 0; i < n; i++)
        {
            elements[i] = (Expr)_slots[from + i].Node!;
            depth = Math.Max(depth, _slots[from + i].Depth);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(elements);
    }

    // `(NOT|MINUS)* primary (postfix | op (NOT|MINUS)* primary)*`, read back from the tokens. Operands go on an
    // explicit stack and are reduced by precedence climbing, as in AstBuilder; the expressions nested in brackets
    // (in parentheses, arrays and objects, index expressions, call arguments) are the slots above the mark, in token
    // order.
    private void ExitExpr(int mark, int first, int last)
    {
        var tokens = _tokens;

        // Most expressions in a configuration are one leaf or one bracketed value: no operator chain to read back.
        if (first == last)
        {
            var token = tokens[first];
            var leaf = Leaf(token);
            _count = mark;
            Push(leaf, 1, first, last);
            return;
        }

        var next = mark;
        var operands = _operands;
        var operators = _operators;
        operands.Clear();
        operators.Clear();
        var pos = first;
        while (true)
        {
            var prefixStart = pos;
            while (tokens[pos].Type is G.RiverParser.NOT or G.RiverParser.MINUS)
            {
                pos++;
            }

            var primaryAt = pos;
            var token = tokens[pos];
            Expr value;
            var depth = 1;
            switch (token.Type)
            {
                case G.RiverParser.IDENT:
                    value = Identifier(token);
                    pos++;
                    break;
                case G.RiverParser.LPAREN or G.RiverParser.LBRACK or G.RiverParser.LCURLY:
                {
                    var bracketed = Bracketed(pos, ref next, out var close, out depth);
                    if (bracketed is null)
                    {
                        return;
                    }

                    value = bracketed;
                    pos = close + 1;
                    break;
                }

                default:
                    value = Literal(token);
                    pos++;
                    break;
            }

            // Postfixes, left to right.
            while (pos <= last)
            {
                var type = tokens[pos].Type;
                if (type == G.RiverParser.DOT)
                {
                    var nameToken = tokens[pos + 1];
                    var nameSpan = SpanOf(nameToken);
                    value = new AccessExpr(value, Name(nameToken), nameSpan, value.Span.Union(nameSpan));
                    pos += 2;
                }
                else if (type == G.RiverParser.LBRACK)
                {
                    ref var index = ref _slots[next++];
                    depth = Math.Max(depth, index.Depth);
                    value = new IndexExpr(value, (Expr)index.Node!, value.Span.Union(SpanOf(pos, index.StopToken + 1)));
                    pos = index.StopToken + 2;
                }
                else if (type == G.RiverParser.LPAREN)
                {
                    var open = pos;
                    var from = next;
                    pos++;
                    while (tokens[pos].Type != G.RiverParser.RPAREN)
                    {
                        pos = _slots[next++].StopToken + 1;
                        if (tokens[pos].Type == G.RiverParser.COMMA)
                        {
                            pos++;
                        }
                    }

                    var args = Elements(from, next - from, out var argDepth);
                    depth = Math.Max(depth, argDepth);
                    value = new CallExpr(value, args, value.Span.Union(SpanOf(open, pos)));
                    pos++;
                }
                else
                {
                    break;
                }

                depth++;
                if (TooDeep(depth))
                {
                    return;
                }
            }

            // Prefix operators, innermost (rightmost) first.
            for (var i = primaryAt - 1; i >= prefixStart; i--)
            {
                var op = tokens[i];
                value = new UnaryExpr(op.Type == G.RiverParser.NOT ? UnaryOperator.Not : UnaryOperator.Negate, value, new TextSpan(op.StartIndex, value.Span.End));
                depth++;
            }

            if (TooDeep(depth))
            {
                return;
            }

            if (pos > last)
            {
                operands.Add((value, depth));
                break;
            }

            var binary = AstBuilder.OperatorOf(tokens[pos].Type);
            var precedence = AstBuilder.Precedence(binary);
            operands.Add((value, depth));
            while (operators.Count > 0)
            {
                var top = AstBuilder.Precedence(operators[^1]);
                if (top > precedence || (top == precedence && binary != BinaryOperator.Power))
                {
                    Reduce();
                }
                else
                {
                    break;
                }
            }

            operators.Add(binary);
            pos++;
        }

        while (operators.Count > 0)
        {
            Reduce();
        }

        var (result, resultDepth) = operands[0];
        if (TooDeep(resultDepth))
        {
            return;
        }

        _count = mark;
        Push(result, resultDepth, first, last);
    }

    private void Reduce()
    {
        var operands = _operands;
        var (right, rightDepth) = operands[^1];
        var (left, leftDepth) = operands[^2];
        operands.RemoveAt(operands.Count - 1);
        var op = _operators[^1];
        _operators.RemoveAt(_operators.Count - 1);
        var depth = Math.Max(leftDepth, rightDepth) + 1;
        operands[^1] = (new BinaryExpr(op, left, right, left.Span.Union(right.Span)), depth);
    }

    // A leaf literal. The raw text is kept for the formatter (implied by the text for strings without escapes); texts
    // are shared through the cache.
    private LiteralExpr Literal(in ScannedToken token)
    {
        var span = SpanOf(token);
        var raw = _text.AsSpan(token.StartIndex, token.End - token.StartIndex);
        switch (token.Type)
        {
            case G.RiverParser.STRING when raw.Length >= 2 && raw[^1] == '"' && raw[1..^1].IndexOf('\\') < 0:
                // No escape: the value is the text between the quotes, and the raw text is implied by it.
                return new LiteralExpr(Intern(raw[1..^1]), span);
            case G.RiverParser.NUMBER:
                return new LiteralExpr(LiteralKind.Number, Intern(raw), null, span);
            case G.RiverParser.TRUE or G.RiverParser.FALSE:
                return new LiteralExpr(LiteralKind.Bool, token.Type == G.RiverParser.TRUE ? "true" : "false", null, span);
            case G.RiverParser.NULL:
                return new LiteralExpr(LiteralKind.Null, "null", null, span);
            default:
                return AstBuilder.BuildLiteral(token.Type, raw.ToString(), span);
        }
    }

    /// <summary>One result on the stack: a node (or a body's statement array), its expression depth and token extent.</summary>
    internal struct Slot(object? node, int depth, int startToken, int stopToken)
    {
        public object? Node = node;
        public int Depth = depth;
        public int StartToken = startToken;
        public int StopToken = stopToken;

        // For a body: whether an identifier expression was made inside it (nested bodies included).
        public bool Identifiers;
    }
}
