import { useMemo } from 'react';
import { useUpdateConnection } from '../../api/connections';
import type { ConnectionView } from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { ConnectionForm } from './ConnectionForm';
import { toPatchBody, type FormContext } from './form-model';

interface EditConnectionDialogProps {
  connection: ConnectionView;
  onClose: () => void;
  onSaved?: (name: string) => void;
}

/** Edits send only the fields that changed; stored secrets are kept unless new ones are typed. */
export function EditConnectionDialog({ connection, onClose, onSaved }: EditConnectionDialogProps) {
  const update = useUpdateConnection();
  const context = useMemo<FormContext>(() => ({ kind: 'edit', original: connection }), [connection]);
  return (
    <Dialog title={`Edit ${connection.name}`} onClose={onClose}>
      <ConnectionForm
        context={context}
        submitLabel="Save changes"
        onCancel={onClose}
        onSubmit={async (values) => {
          const body = toPatchBody(values, connection);
          if (Object.keys(body).length > 0) {
            const saved = await update.mutateAsync({ id: connection.id, body });
            onSaved?.(saved.name);
          }
          onClose();
        }}
      />
    </Dialog>
  );
}
