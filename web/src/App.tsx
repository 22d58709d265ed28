/**
 * Routes: #/dashboard, #/jobs, #/jobs/:id, #/submit, #/cluster, #/queue, #/reservations, #/testbed, #/quotas, #/allocations, #/programs,
 * #/reset?code= (no login), #/applications(/new|/:id), #/usage, #/datasets(/:id?v=N&dir=PATH), #/tenants, #/users, #/audit, #/account.
 */
import { Loading, PageTitle } from './components/common.tsx';
import { Layout } from './components/Layout.tsx';
import { useI18n } from './i18n/index.tsx';
import { AccountPage } from './pages/Account.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { AllocationsPage } from './pages/Allocations.tsx';
import { ReservationsPage } from './pages/Reservations.tsx';
import { TestbedPage } from './pages/Testbed.tsx';
import { QuotasPage } from './pages/Quotas.tsx';
import { ApplicationsPage } from './pages/Applications.tsx';
import { ProgramsPage } from './pages/Programs.tsx';
import { UsagePage } from './pages/Usage.tsx';
import { DatasetsPage } from './pages/Datasets.tsx';
import { ClusterPage } from './pages/Cluster.tsx';
import { DashboardPage } from './pages/Dashboard.tsx';
import { JobDetailPage } from './pages/JobDetail.tsx';
import { JobsPage, QueuePage } from './pages/Jobs.tsx';
import { LoginPage } from './pages/Login.tsx';
import { ResetPage } from './pages/Reset.tsx';
import { SubmitPage } from './pages/Submit.tsx';
import { TenantsPage } from './pages/Tenants.tsx';
import { UsersPage } from './pages/Users.tsx';
import { useRoute, type Route } from './router.ts';
import { useAuth, useSession } from './session.tsx';

export function App() {
  const auth = useAuth();
  const route = useRoute();
  if (auth.status === 'loading') return <div className="page"><Loading /></div>;
  if (route.path[0] === 'reset') return <ResetPage />;
  if (!auth.session) return <LoginPage />;
  const section = route.path[0] ?? 'dashboard';
  return (
    <Layout current={section}>
      <Page route={route} />
    </Layout>
  );
}

function Page({ route }: { route: Route }) {
  const { t } = useI18n();
  const s = useSession();
  const [section = 'dashboard', id] = route.path;
  switch (section) {
    case 'dashboard':
    case 'login':
      return <DashboardPage />;
    case 'jobs':
      return id ? <JobDetailPage key={id} id={id} /> : <JobsPage route={route} />;
    case 'submit':
      return <SubmitPage />;
    case 'cluster':
      return <ClusterPage />;
    case 'queue':
      return s.isOperator ? <QueuePage /> : <Forbidden />;
    case 'tenants':
      return s.isOperator ? <TenantsPage /> : <Forbidden />;
    case 'users':
      return <UsersPage />;
    case 'audit':
      return s.isOperator ? <AuditPage route={route} /> : <Forbidden />;
    case 'account':
      return <AccountPage />;
    case 'allocations':
      return <AllocationsPage />;
    case 'reservations':
      return <ReservationsPage />;
    case 'testbed':
      return <TestbedPage />;
    case 'quotas':
      return <QuotasPage />;
    case 'programs':
      return <ProgramsPage />;
    case 'applications':
      return <ApplicationsPage route={route} />;
    case 'usage':
      return <UsagePage />;
    case 'datasets':
      return <DatasetsPage route={route} />;
    default:
      return (
        <div className="page">
          <PageTitle title={t('app.error')}>{t('app.error')}</PageTitle>
          <p>{t('app.notFound', { path: route.raw })}</p>
        </div>
      );
  }
}

function Forbidden() {
  const { t } = useI18n();
  return (
    <div className="page" data-testid="forbidden">
      <PageTitle title={t('app.forbiddenTitle')}>{t('app.forbiddenTitle')}</PageTitle>
      <p className="alert alert-warn" role="alert">{t('app.forbidden')}</p>
    </div>
  );
}
