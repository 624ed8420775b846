// The ANTLR-generated types under Syntax/Generated carry [CLSCompliant(false)]; without an assembly-level attribute
// the compiler warns (CS3021), which warnings-as-errors turns into a build failure.
[assembly: System.CLSCompliant(false)]
