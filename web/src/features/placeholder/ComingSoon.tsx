interface ComingSoonProps {
  title: string;
  eyebrow: string;
  children: string;
}

/** A page whose API does not exist yet: says so plainly, shows no made-up data. */
export function ComingSoon({ title, eyebrow, children }: ComingSoonProps) {
  return (
    <div className="page">
      <header className="page__header">
        <div>
          <p className="page__eyebrow">{eyebrow}</p>
          <h1>{title}</h1>
        </div>
      </header>
      <div className="state state--empty">
        <p className="state__title">Coming with the trade engine</p>
        <p className="muted">{children}</p>
      </div>
    </div>
  );
}
