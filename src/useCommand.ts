// Every command an operator starts from a panel goes through this one hook (TanStack Query's
// useMutation): busy while it runs, its error shown until the next try, and its result put in
// the query cache under `key` when one is given, so that every view reading that key shows it.
import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { messageOf } from "./api";

export function useCommand<Args, Result>(command: (args: Args) => Promise<Result>, key?: QueryKey) {
  const qc = useQueryClient();
  const mutation = useMutation({
    mutationFn: command,
    onSuccess: (result) => {
      if (key) qc.setQueryData(key, result);
    },
  });
  return {
    /** Runs the command; resolves to whether it worked (its error is in `error`). */
    run: (args: Args): Promise<boolean> =>
      mutation.mutateAsync(args).then(
        () => true,
        () => false,
      ),
    busy: mutation.isPending,
    error: mutation.error ? messageOf(mutation.error) : null,
  };
}
