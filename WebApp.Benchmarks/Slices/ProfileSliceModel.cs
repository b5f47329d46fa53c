using WebApp.Benchmarks.Infrastructure;
using WebApp.Pages;

namespace WebApp.Benchmarks.Slices;

/// <summary>What <see cref="ProfileSlice"/> renders: the page's view model, and the layout's asset links.</summary>
public sealed record ProfileSliceModel(ProfileView View, SiteAssets Assets);
