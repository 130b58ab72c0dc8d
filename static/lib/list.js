// A list from the server into the page, the same way in every client: a line while it
// loads, then the rows, then a line when there are none, or one saying why it could not
// be read. Every message goes to show() as text.
//
// options:
//   show(line)              puts the line about the list on the page ("" clears it)
//   fetch()                 → Promise of the answer ({ items, next_cursor }); throws when refused
//   render(items, answer)   draws the rows
//   loading                 the line while it loads (none given: the line stays as it was)
//   empty                   the line when the answer has no items
//   summary(items, answer)  the line once the rows are drawn, instead of "" or `empty`
//   failed(error)           → the line saying why; null or undefined: none (the session
//                           ended and the page says so already)
// → the answer, or null when it failed.
export async function loadList(options) {
  const { show } = options;
  if (options.loading !== undefined) show(options.loading);
  try {
    const answer = await options.fetch();
    const items = answer.items || [];
    options.render(items, answer);
    show(options.summary ? options.summary(items, answer) : items.length ? "" : options.empty);
    return answer;
  } catch (error) {
    const line = options.failed(error);
    if (line !== null && line !== undefined) show(line);
    return null;
  }
}
