using Microsoft.Extensions.Options;

namespace WebApp.Diagnostics;

/// <summary>Registers who may see diagnostics, and the gate that hides them from everyone else.</summary>
public static class DiagnosticsGate
{
    public static IServiceCollection AddDiagnostics(this IServiceCollection services)
    {
        services.AddOptions<DiagnosticsOptions>().BindConfiguration(DiagnosticsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DiagnosticsOptions>, DiagnosticsOptionsValidator>();
        services.AddSingleton<DiagnosticsAccess>();
        return services;
    }

    /// <summary>
    /// After routing and before anything else looks at the request: a diagnostic page the caller may not
    /// see answers 404 whatever the method, so no answer reveals that it exists.
    /// </summary>
    public static IApplicationBuilder UseDiagnosticsGate(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.GetEndpoint() is { } endpoint
            && DiagnosticsAccess.IsDiagnosticsEndpoint(endpoint)
            && !context.RequestServices.GetRequiredService<DiagnosticsAccess>().Allows(context))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    });
}
