namespace WebApp.WarmUp;

/// <summary>The JIT's count of compiled methods, which the warm-up watches; a seam for its tests.</summary>
public class JitCounter
{
    public virtual long CompiledMethods() => System.Runtime.JitInfo.GetCompiledMethodCount();
}
