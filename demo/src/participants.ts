// What the "Open a room" form asks for: user ids separated by commas, and a title for a group room.
// One other id opens the direct room of the pair; two or more make a new group room. Anything that
// is not a user id is refused with a message that says why, before the service is asked.

/** The longest user id the service accepts (a token's `sub`, a participant id). */
const MAX_USER_ID_LENGTH = 255;
const MAX_TITLE_LENGTH = 200;

export type RoomRequest = { participantIds: string[]; title?: string } | { error: string };

/** Why `id` is not a user id the demo can use, or undefined when it is one. */
export function userIdProblem(id: string): string | undefined {
  if (id === '') return 'a user id is missing (two commas in a row, or one at an end?)';
  if (/\s/u.test(id)) return `"${id}" is not a user id: ids have no spaces (separate several with commas)`;
  if (id.length > MAX_USER_ID_LENGTH) return `"${id.slice(0, 20)}..." is not a user id: at most ${MAX_USER_ID_LENGTH} characters`;
  return undefined;
}

export function roomRequest(idsText: string, titleText: string, meId: string): RoomRequest {
  const ids = idsText.split(',').map((id) => id.trim());
  for (const id of ids) {
    const problem = userIdProblem(id);
    if (problem) return { error: problem };
  }
  const others = [...new Set(ids)].filter((id) => id !== meId);
  if (others.length === 0) return { error: 'Give the id of at least one other user.' };
  const title = titleText.trim();
  if (others.length === 1 && title) {
    return { error: 'A direct room (one other user) has no title: give two or more ids for a group room.' };
  }
  if (title.length > MAX_TITLE_LENGTH) return { error: `A title has at most ${MAX_TITLE_LENGTH} characters.` };
  return title ? { participantIds: others, title } : { participantIds: others };
}
