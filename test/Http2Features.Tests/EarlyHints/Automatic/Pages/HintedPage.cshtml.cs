using Http2Features.EarlyHints;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Http2Features.Tests.EarlyHints.Automatic.Pages;

/// <summary>A Razor Page whose model declares an early hint; the .cshtml declares another with <c>@attribute</c>.</summary>
[EarlyHint("/model.js", EarlyHintRel.Preload, As = "script")]
public sealed class HintedPageModel : PageModel
{
    public string Message { get; private set; } = "";

    public async Task OnGetAsync()
    {
        await Task.Delay(100, HttpContext.RequestAborted);
        Message = "razor page";
    }
}
