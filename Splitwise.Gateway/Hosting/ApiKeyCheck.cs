using System.Security.Cryptography;
using System.Text;
using Splitwise.Gateway.OpenAi;

namespace Splitwise.Gateway.Hosting;

/// <summary>With --api-key set, every /v1 request needs "Authorization: Bearer KEY" (compared in constant time).</summary>
public static class ApiKeyCheck
{
    public static IApplicationBuilder UseApiKeyCheck(this IApplicationBuilder app, string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey)) return app;
        var expected = Encoding.UTF8.GetBytes("Bearer " + apiKey);
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v1"))
            {
                var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
                if (!CryptographicOperations.FixedTimeEquals(given, expected))
                {
                    await OpenAiErrors.WriteAsync(context, new OpenAiException(401, "Missing or invalid API key: send 'Authorization: Bearer <key>'.", code: "invalid_api_key"));
                    return;
                }
            }
            await next(context);
        });
    }
}
