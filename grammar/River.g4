// River.g4 — the syntax of River, a re-creation of Grafana Alloy's configuration language.
//
// This file is the single source of the syntax. scripts/gen-grammar runs antlr-ng (pinned in grammar/package.json)
// and writes C# into src/River/Syntax/Generated/ (committed; a test checks it is up to date).
//
// How it is used at run time: the PARSER rules below drive the generated RiverParser. The tokens it consumes come
// from the hand-written scanner src/River/Syntax/RiverScanner.cs, which implements the same LEXER rules as below plus
// the one rule a context-free lexer grammar cannot state cleanly: terminator insertion (see NEWLINE). The generated
// RiverLexer is kept, compiled and tested against the scanner; it emits NEWLINE tokens on a hidden channel instead of
// TERMINATOR tokens.
//
// Design notes (all measured, see docs/language.md):
// * No left recursion and no rule per precedence level: an expression is a flat loop of operands and operators
//   (see `expr`), so ANTLR's prediction is LL(1) almost everywhere and runs in SLL mode; the AST builder applies
//   Alloy's precedence table without recursion, so a chain of 100 000 operators cannot overflow the stack.
// * Error messages are Alloy's; the builder and the error strategy (RiverErrorStrategy.cs) produce them, which is why
//   some rules accept more than the language allows (dotted attribute names, labels on attributes, a block after
//   `=`) — the builder then reports "attribute names may not have labels", "cannot use a block as an expression", ...

grammar River;

// Made by the scanner only: TERMINATOR is a newline (or the end of the file) right after an IDENT, a literal, `)`,
// `]` or `}`; ILLEGAL is a character or single-quoted string that is not River (reported by the scanner).
tokens { TERMINATOR, ILLEGAL }

// ---------------------------------------------------------------------------------------------------------------
// Parser

// A file is a body that runs to the end of the input.
file
    : body EOF
    ;

// One expression and nothing else (RiverParser.ParseExpression).
expressionOnly
    : expr TERMINATOR? EOF
    ;

// Statements separated by terminators; the last one may be followed directly by `}` or the end of the file.
body
    : statement? (TERMINATOR statement?)*
    ;

// Attributes and blocks share a prefix (a name); the token after it decides: `=` attribute, `{` block.
statement
    : blockName statementRest
    ;

// `a.b.c "label"`. Only blocks may have dots or labels; the builder reports them on attributes.
blockName
    : IDENT (DOT IDENT)* blockLabel?
    ;

// Labels must be double-quoted; a raw string is accepted here so that the builder can say why it is wrong.
blockLabel
    : STRING
    | RAW_STRING
    ;

statementRest
    : ASSIGN expr blockValue?   # attributeRest
    | LCURLY body RCURLY        # blockRest
    ;

// `x = a.b "label" { ... }`: never valid; parsed so that the builder can report "cannot use a block as an expression"
// and carry on after the body.
blockValue
    : blockLabel? LCURLY body RCURLY
    ;

// Binary operators. Their precedence and associativity are Alloy's (token.BinaryPrecedence), lowest first:
//   1 `||`   2 `&&`   3 `==` `!=` `<` `<=` `>` `>=`   4 `+` `-`   5 `*` `/` `%`   6 `^`
// all left associative except `^` (right: `2 ^ 3 ^ 2` is `2 ^ (3 ^ 2)`). The rule lists operands and operators
// flat and the AST builder applies the table (precedence climbing): one rule instead of six nested levels made
// parsing about three times faster, because every leaf of an expression no longer passes through seven rules.
expr
    : unaryExpr ((OR | AND | EQ | NEQ | LT | LTE | GT | GTE | PLUS | MINUS | STAR | SLASH | PERCENT | POW) unaryExpr)*
    ;

// Prefix operators bind tighter than every binary operator, `^` included (`-2 ^ 2` is `(-2) ^ 2`, `2 ^ -2` is
// valid), and looser than the postfix operators (`-a.b` is `-(a.b)`). Postfix: access, index and call, any number
// of them, left to right.
unaryExpr
    : (NOT | MINUS)* primary postfix*
    ;

postfix
    : DOT IDENT                          # accessPostfix
    | LBRACK expr RBRACK                 # indexPostfix
    | LPAREN exprList? RPAREN            # callPostfix
    ;

primary
    : IDENT                                                  # identPrimary
    | (NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL) # literalPrimary
    | LPAREN expr RPAREN                                     # parenPrimary
    | LBRACK exprList? RBRACK                                # arrayPrimary
    | LCURLY fieldList? RCURLY                               # objectPrimary
    ;

// A trailing comma is allowed. An element followed by a newline needs one, because the newline is a TERMINATOR:
// the rules accept a TERMINATOR where a comma belongs only so that the builder can report Alloy's
// "missing ',' in expression list" (or "field list") there and carry on with the next element, as Alloy does.
exprList
    : expr ((COMMA | TERMINATOR) expr)* (COMMA | TERMINATOR)?
    ;

fieldList
    : field ((COMMA | TERMINATOR) field)* (COMMA | TERMINATOR)?
    ;

// Keys are identifiers or quoted strings (Alloy accepts raw strings too: both are its STRING token).
field
    : (IDENT | STRING | RAW_STRING) ASSIGN expr
    ;

// ---------------------------------------------------------------------------------------------------------------
// The fast pass (RiverParser.TryFastPass, DirectAstBuilder.cs)
//
// The same language as the rules above, minus every construct that is always an error (dotted or labelled attribute
// names, raw-string block labels, a block after `=`, a newline where a list needs a comma): those make the fast pass
// bail, and the input is parsed again with the rules above, whose builder reports them. Shaped for speed, because
// the generated code allocates a context object per rule invocation and the garbage collector's work dominated the
// parse: a body with its statements is one rule, an expression's whole operator chain is one rule (prefixes,
// operands, postfixes and binary operators, arrays, objects and parentheses included; the builder reads the tokens
// back and applies the precedence table), and only an expression nested in brackets costs one more. A literal
// operand takes no rule invocation of its own (four before). No labelled alternatives (each made a second context
// object); the builder tells alternatives apart by their first token.

fastFile
    : fastBody EOF
    ;

fastExpressionOnly
    : fastExpr TERMINATOR? EOF
    ;

// Statements separated by terminators, each `name = expr` or `a.b.c "label" { body }`. The statement is written
// out twice instead of being a rule of its own, so that it costs no rule invocation. Here and in arrays and objects,
// a value that is a single leaf token is matched directly (the first alternative wins when both fit), so only a
// value with operators, postfixes or brackets costs a fastExpr invocation; the builder tells the two apart by
// whether a result starts at the value's first token.
fastBody
    : (IDENT (ASSIGN (IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr) | (DOT IDENT)* STRING? LCURLY fastBody RCURLY))?
      (TERMINATOR (IDENT (ASSIGN (IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr) | (DOT IDENT)* STRING? LCURLY fastBody RCURLY))?)*
    ;

// `operand (op operand)*` with `operand : (NOT | MINUS)* primary postfix*`, flattened into one loop: after a
// primary come postfixes or an operator and the next operand. The primaries (leaves, and the bracketed ones: a
// parenthesised expression, an array, an object; the first token says which) are repeated rather than put in a rule
// of their own so that they cost no rule invocation: only the expressions nested inside brackets do.
fastExpr
    : (NOT | MINUS)*
      ( IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL
      | LPAREN fastExpr RPAREN
      | LBRACK ((IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr) (COMMA (IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr))* COMMA?)? RBRACK
      | LCURLY ((IDENT | STRING | RAW_STRING) ASSIGN (IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr)
          (COMMA (IDENT | STRING | RAW_STRING) ASSIGN (IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr))* COMMA?)? RCURLY
      )
      ( DOT IDENT
      | LBRACK fastExpr RBRACK
      | LPAREN (fastExpr (COMMA fastExpr)* COMMA?)? RPAREN
      | (OR | AND | EQ | NEQ | LT | LTE | GT | GTE | PLUS | MINUS | STAR | SLASH | PERCENT | POW)
        (NOT | MINUS)*
        ( IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL
        | LPAREN fastExpr RPAREN
        | LBRACK ((IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr) (COMMA (IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr))* COMMA?)? RBRACK
        | LCURLY ((IDENT | STRING | RAW_STRING) ASSIGN (IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr)
          (COMMA (IDENT | STRING | RAW_STRING) ASSIGN (IDENT | NUMBER | FLOAT | STRING | RAW_STRING | TRUE | FALSE | NULL | fastExpr))* COMMA?)? RCURLY
        )
      )*
    ;

// ---------------------------------------------------------------------------------------------------------------
// Lexer (mirrored by RiverScanner.cs)

// Keywords. There are no others: `if`, `for`, `let` are identifiers.
TRUE  : 'true' ;
FALSE : 'false' ;
NULL  : 'null' ;

OR      : '||' ;
AND     : '&&' ;
EQ      : '==' ;
NEQ     : '!=' ;
LTE     : '<=' ;
GTE     : '>=' ;
LT      : '<' ;
GT      : '>' ;
ASSIGN  : '=' ;
NOT     : '!' ;
PLUS    : '+' ;
MINUS   : '-' ;
STAR    : '*' ;
SLASH   : '/' ;
PERCENT : '%' ;
POW     : '^' ;
LCURLY  : '{' ;
RCURLY  : '}' ;
LPAREN  : '(' ;
RPAREN  : ')' ;
LBRACK  : '[' ;
RBRACK  : ']' ;
COMMA   : ',' ;

// A float may start with a dot, so `a.0` is IDENT `a` and FLOAT `.0` (as in Alloy), never an access.
FLOAT
    : DIGITS '.' DIGITS? EXPONENT?
    | '.' DIGITS EXPONENT?
    | DIGITS EXPONENT
    ;

DOT : '.' ;

// Decimal digits only: no hex, no `_`. A leading zero means octal when the value is computed (`010` is 8), as in Go.
NUMBER : DIGITS ;

// A letter (any Unicode letter) or `_`, then letters, Unicode decimal digits and `_`.
IDENT : LETTER (LETTER | UNICODE_DIGIT)* ;

// Double-quoted, one line, Go escapes.
STRING : '"' (ESCAPE | ~["\\\r\n])* '"' ;

// Backticks, no escapes, may span lines.
RAW_STRING : '`' ~'`'* '`' ;

LINE_COMMENT  : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;

// The scanner turns a newline into a TERMINATOR right after IDENT, TRUE, FALSE, NULL, NUMBER, FLOAT, STRING,
// RAW_STRING, `)`, `]` or `}` (and a pending terminator is emitted before a comment that reaches the end of the line,
// and at the end of the file); every other newline is whitespace. This lexer only marks newlines.
NEWLINE : '\r'? '\n' -> channel(HIDDEN) ;

WS : [ \t\r]+ -> skip ;

fragment DIGITS : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
fragment ESCAPE
    : '\\' [abfnrtv\\"]
    | '\\' [0-7] [0-7] [0-7]
    | '\\x' HEX HEX
    | '\\u' HEX HEX HEX HEX
    | '\\U' HEX HEX HEX HEX HEX HEX HEX HEX
    ;
fragment HEX : [0-9a-fA-F] ;
fragment LETTER : [\p{L}_] ;
fragment UNICODE_DIGIT : [\p{Nd}] ;
