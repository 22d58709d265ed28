// Apply the saved theme and language before the first paint, so dark mode does not flash white. A file of
// its own, not an inline script: the portal's Content-Security-Policy allows scripts from the origin only.
try {
  var t = localStorage.getItem('cheomdan.theme') || 'system';
  if (t === 'system') t = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  document.documentElement.dataset.theme = t;
  var l = localStorage.getItem('cheomdan.lang');
  if (l === 'ko' || l === 'en') document.documentElement.lang = l;
} catch (e) {}
