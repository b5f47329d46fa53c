namespace WebApp.Data;

/// <summary>Input limits shared by the model, the routes and the pages.</summary>
public static class Limits
{
    public const int HandleMaxLength = 30;
    public const int SearchMaxLength = 100;
}
