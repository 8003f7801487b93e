// A modal around one vertical form: the OK button submits it (Enter does too), the form is disabled
// and the button spins while `onSubmit` runs, and a failure is shown above the fields with its code
// (cleared when the modal opens again). `onError` may also mark the field a failure concerns.
import { Form, type FormInstance, Modal } from 'antd';
import type { ReactNode } from 'react';
import { ErrorAlert } from './ErrorAlert.tsx';
import { useSubmit } from './use-submit.ts';

export interface FormModalProps<V> {
  open: boolean;
  title: ReactNode;
  okText: string;
  okTestId: string;
  /** A red OK button, for a change that takes something away (e.g. resetting a password). */
  danger?: boolean;
  width?: number;
  form: FormInstance<V>;
  /** The form's name (prefixes the fields' ids). */
  name?: string;
  /** A key that remounts the form (new initial values for another record). */
  formKey?: string;
  initialValues?: Partial<V>;
  /** Text above the form. */
  intro?: ReactNode;
  onClose(): void;
  onSubmit(values: V): Promise<void>;
  /** Called with a failure before it is shown; return true if it was shown beside a field instead. */
  onError?: (err: unknown) => boolean | undefined;
  children: ReactNode;
}

export function FormModal<V>({
  open,
  title,
  okText,
  okTestId,
  danger,
  width,
  form,
  name,
  formKey,
  initialValues,
  intro,
  onClose,
  onSubmit,
  onError,
  children,
}: FormModalProps<V>) {
  const submit = useSubmit();
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onClose}
      okText={okText}
      onOk={() => form.submit()}
      confirmLoading={submit.busy}
      okButtonProps={{ ...(danger ? { danger: true } : {}), ...({ 'data-testid': okTestId } as object) }}
      {...(width ? { width } : {})}
      destroyOnHidden
      afterOpenChange={(visible) => {
        if (visible) submit.clearError();
      }}
    >
      {intro}
      {submit.error ? (
        <div style={{ marginBottom: 16 }}>
          <ErrorAlert error={submit.error} />
        </div>
      ) : null}
      <Form<V>
        key={formKey}
        {...(name ? { name } : {})}
        form={form}
        layout="vertical"
        onFinish={(values) => void submit.run(() => onSubmit(values), onError)}
        requiredMark={false}
        initialValues={initialValues}
        disabled={submit.busy}
      >
        {children}
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}
