namespace River.Values;

/// <summary>
/// A sensitive string in an argument or export class (a password, a token). A River string or secret decodes into it;
/// it never decodes into a <see cref="string"/> property ("secrets may not be converted into strings"), and
/// <see cref="ToString"/> never shows it.
/// </summary>
public sealed record Secret(string Value)
{
    /// <summary>Always <c>(secret)</c>, so that logging an argument object cannot leak it.</summary>
    public override string ToString() => "(secret)";
}
