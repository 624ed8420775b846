using Antlr4.Runtime;
using Antlr4.Runtime.Misc;
using G = River.Syntax.Generated;

namespace River.Syntax;

/// <summary>
/// ANTLR's standard recovery (single-token insertion and deletion, then resynchronising on the follow sets, which
/// contain TERMINATOR so a bad statement is skipped up to the next line) with Alloy's messages instead of ANTLR's
/// ("missing ',' in expression list", "expected TERMINATOR, got IDENT", ...). Every message goes to the
/// <see cref="SyntaxErrorCollector"/>, which keeps the first parser error of each line.
/// </summary>
internal sealed class RiverErrorStrategy : DefaultErrorStrategy
{
    // Labelled alternatives share their rule's index; these stand for them in Describe.
    private const int RuleObject = 1000;
    private const int RuleArray = 1001;
    private const int RuleCall = 1002;
    private const int RuleBlockRest = 1003;

    private readonly SyntaxErrorCollector _errors;

    public RiverErrorStrategy(SyntaxErrorCollector errors) => _errors = errors;

    public override void ReportError(Parser recognizer, RecognitionException e)
    {
        if (InErrorRecoveryMode(recognizer))
        {
            return;
        }

        BeginErrorCondition(recognizer);
        var token = e.OffendingToken ?? recognizer.CurrentToken;
        Report(recognizer, token);
    }

    protected override void ReportUnwantedToken(Parser recognizer)
    {
        if (InErrorRecoveryMode(recognizer))
        {
            return;
        }

        BeginErrorCondition(recognizer);
        Report(recognizer, recognizer.CurrentToken);
    }

    protected override void ReportMissingToken(Parser recognizer)
    {
        if (InErrorRecoveryMode(recognizer))
        {
            return;
        }

        BeginErrorCondition(recognizer);
        Report(recognizer, recognizer.CurrentToken);
    }

    protected override IToken GetMissingSymbol(Parser recognizer)
    {
        // The conjured token is empty and sits where the missing one was expected; the AST builder never sees it
        // because the file has an error by then.
        var current = (RiverToken)recognizer.CurrentToken;
        var expected = GetExpectedTokens(recognizer);
        var type = expected.IsNil ? TokenConstants.InvalidType : expected.MinElement;
        return new RiverToken(current.Source, type, current.StartIndex, current.StartIndex) { TokenIndex = -1 };
    }

    private void Report(Parser parser, IToken token)
    {
        if (token.Type == RiverTokens.Illegal)
        {
            // The scanner already said what is wrong with it.
            return;
        }

        var riverToken = (RiverToken)token;
        var message = Describe(parser, token);
        _errors.Parser(riverToken.StartIndex, riverToken.End, message);
    }

    private static bool IsExpressionStart(int type) => type is G.RiverParser.IDENT or G.RiverParser.NUMBER
        or G.RiverParser.FLOAT or G.RiverParser.STRING or G.RiverParser.RAW_STRING or G.RiverParser.TRUE
        or G.RiverParser.FALSE or G.RiverParser.NULL or G.RiverParser.LPAREN or G.RiverParser.LBRACK
        or G.RiverParser.LCURLY or G.RiverParser.NOT or G.RiverParser.MINUS;

    // Chooses Alloy's wording from where the parser is (rule, expected tokens, previous token).
    private static string Describe(Parser parser, IToken token)
    {
        var got = RiverTokens.DisplayName(token.Type);
        IntervalSet expected;
        try
        {
            expected = parser.GetExpectedTokens();
        }
        catch (ArgumentException)
        {
            expected = new IntervalSet();
        }

        var context = parser.Context;
        var rule = context switch
        {
            G.RiverParser.ObjectPrimaryContext => RuleObject,
            G.RiverParser.ArrayPrimaryContext => RuleArray,
            G.RiverParser.CallPostfixContext => RuleCall,
            G.RiverParser.BlockRestContext => RuleBlockRest,
            null => -1,
            _ => context.RuleIndex,
        };
        var previous = ((ITokenStream)parser.InputStream).LT(-1)?.Type ?? TokenConstants.InvalidType;

        // Alloy's bodies and lists stop at the end of the file and then expect their closer.
        if (token.Type == TokenConstants.EOF && rule is not (RuleArray or RuleCall or G.RiverParser.RULE_exprList))
        {
            foreach (var closer in (ReadOnlySpan<int>)[G.RiverParser.RCURLY, G.RiverParser.RPAREN, G.RiverParser.RBRACK])
            {
                if (expected.Contains(closer))
                {
                    return $"expected {RiverTokens.DisplayName(closer)}, got EOF";
                }
            }
        }

        if (expected.Contains(G.RiverParser.ASSIGN) && expected.Contains(G.RiverParser.LCURLY))
        {
            // Right after the name a label may still come; after the label only the body can.
            return expected.Contains(G.RiverParser.STRING) || previous == G.RiverParser.IDENT
                ? $"expected block label, got {got}"
                : $"expected block body, got {got}";
        }

        switch (rule)
        {
            case RuleObject or G.RiverParser.RULE_fieldList or G.RiverParser.RULE_field:
                if (expected.Contains(G.RiverParser.ASSIGN))
                {
                    return $"expected =, got {got}";
                }

                if (previous is G.RiverParser.LCURLY or G.RiverParser.COMMA)
                {
                    return $"expected field name (string or identifier), got {got}";
                }

                return token.Type == TokenConstants.EOF ? "expected }, got EOF" : "missing ',' in field list";

            case G.RiverParser.RULE_exprList or RuleCall or RuleArray
                or G.RiverParser.RULE_postfix:
                if (token.Type == TokenConstants.EOF && rule != G.RiverParser.RULE_postfix)
                {
                    return $"expected {(rule == RuleCall || expected.Contains(G.RiverParser.RPAREN) ? ")" : "]")}, got EOF";
                }

                if (previous is G.RiverParser.COMMA or G.RiverParser.LBRACK or G.RiverParser.LPAREN
                    && !IsExpressionStart(token.Type))
                {
                    return $"expected expression, got {got}";
                }

                if (token.Type == TokenConstants.EOF)
                {
                    var closer = expected.Contains(G.RiverParser.RPAREN) ? ")" : "]";
                    return $"expected {closer}, got EOF";
                }

                if (rule == G.RiverParser.RULE_postfix && expected.Contains(G.RiverParser.IDENT))
                {
                    return $"expected IDENT, got {got}";
                }

                if (rule == G.RiverParser.RULE_postfix && expected.Contains(G.RiverParser.RBRACK))
                {
                    return $"expected ], got {got}";
                }

                return "missing ',' in expression list";
        }

        if (expected.Contains(G.RiverParser.TERMINATOR))
        {
            return $"expected TERMINATOR, got {got}";
        }

        if (rule is G.RiverParser.RULE_file or G.RiverParser.RULE_body or RuleBlockRest
            or G.RiverParser.RULE_statementRest or G.RiverParser.RULE_blockValue or G.RiverParser.RULE_expressionOnly)
        {
            // A statement ended (or a file/body did) and something other than a new line or a closer followed.
            if (rule == G.RiverParser.RULE_expressionOnly || previous is not (G.RiverParser.TERMINATOR
                or G.RiverParser.LCURLY or TokenConstants.InvalidType))
            {
                return $"expected TERMINATOR, got {got}";
            }

            return $"expected identifier, got {got}";
        }

        if (rule is G.RiverParser.RULE_statement || (rule == G.RiverParser.RULE_blockName && previous != G.RiverParser.DOT))
        {
            return $"expected identifier, got {got}";
        }

        if (!expected.IsNil && expected.Count == 1)
        {
            return $"expected {RiverTokens.DisplayName(expected.MinElement)}, got {got}";
        }

        if (expected.Contains(G.RiverParser.NUMBER) || rule is G.RiverParser.RULE_primary or G.RiverParser.RULE_unaryExpr
            or G.RiverParser.RULE_expr)
        {
            return $"expected expression, got {got}";
        }

        return $"unexpected {got}";
    }
}
