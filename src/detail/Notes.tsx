// Notes on an event: plain text for the next shift, kept in the event's log (in the timeline
// with author and time, found by search; on a team desk, sent through the team's stream).
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api";
import { ErrorLine } from "../controls";
import { queryKeys } from "../queryKeys";
import { useCommand } from "../useCommand";

/** The longest note, in characters (the core's `MAX_NOTE`). */
export const MAX_NOTE = 2000;

/** A box to leave a note on event `id`; Ctrl+Enter (or the button) adds it. */
export function NoteForm({ id }: { id: number }) {
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const { run, busy, error } = useCommand(async (note: string) => {
    await api.addNote(id, note);
    setText("");
    await qc.invalidateQueries({ queryKey: queryKeys.event(id) });
  });
  const length = [...text.trim()].length;
  const tooLong = length > MAX_NOTE;
  const add = () => {
    if (length > 0 && !tooLong && !busy) void run(text);
  };
  return (
    <form
      className="note-form"
      onSubmit={(e) => {
        e.preventDefault();
        add();
      }}
    >
      <textarea
        aria-label="New note"
        placeholder="Leave a note for the next shift (Ctrl+Enter adds it)"
        rows={2}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            add();
          }
        }}
      />
      <div className="note-bar">
        <span className={tooLong ? "note-count over" : "note-count"} aria-live="polite">
          {length}/{MAX_NOTE}
        </span>
        <button type="submit" disabled={busy || length === 0 || tooLong}>
          Add note
        </button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}
