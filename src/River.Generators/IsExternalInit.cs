namespace System.Runtime.CompilerServices;

// Records with init accessors on netstandard2.0 (which the compiler loads generators as) need this marker type.
internal static class IsExternalInit;
