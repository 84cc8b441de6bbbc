import { useCreateConnection } from '../../api/connections';
import { Dialog } from '../../components/Dialog';
import { ConnectionForm } from './ConnectionForm';
import { toCreateBody } from './form-model';

const CREATE = { kind: 'create' } as const;

export function AddConnectionDialog({ onClose, onCreated }: { onClose: () => void; onCreated?: (name: string) => void }) {
  const create = useCreateConnection();
  return (
    <Dialog title="Add connection" onClose={onClose} description="An exchange account CTS can test and trade on.">
      <ConnectionForm
        context={CREATE}
        submitLabel="Add connection"
        onCancel={onClose}
        onSubmit={async (values) => {
          const created = await create.mutateAsync(toCreateBody(values));
          onCreated?.(created.name);
          onClose();
        }}
      />
    </Dialog>
  );
}
