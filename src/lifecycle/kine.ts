// The light profile's datastore: kine, the etcd v3 API over SQLite, as a
// systemd unit of the one control plane. kubeadm sees it as an external etcd on
// plain HTTP at 127.0.0.1 (kine listens nowhere else, so no certificate is
// needed), and starts no etcd of its own. The unit is enabled in the node's
// root filesystem and the database is in its /var volume: both outlive `stop`
// and `start`, and `delete` removes them with the container and the volume.

/** Where the API server finds kine: this node's loopback, where nothing else listens. */
export const KINE_LISTEN_ADDRESS = '127.0.0.1:2379'
export const KINE_ENDPOINT = `http://${KINE_LISTEN_ADDRESS}`
export const KINE_BINARY = '/usr/local/bin/kine'
export const KINE_UNIT = 'kine.service'
export const KINE_UNIT_PATH = `/etc/systemd/system/${KINE_UNIT}`
export const KINE_DATA_DIR = '/var/lib/kine'
export const KINE_DATABASE = `${KINE_DATA_DIR}/state.db`
/** kine's metrics, on loopback, off the port kine would take by default (8080, a common application port). */
const KINE_METRICS_ADDRESS = '127.0.0.1:2381'

/**
 * SQLite's options: write-ahead log and a shared cache as k3s uses them, a
 * long busy timeout rather than "database is locked", and no fsync (clusters
 * are disposable; the default profile runs etcd with --unsafe-no-fsync alike).
 */
export function kineDataSource(database = KINE_DATABASE): string {
  return `sqlite://${database}?_journal=WAL&cache=shared&_busy_timeout=30000&_txlock=immediate&_synchronous=OFF`
}

/** The systemd unit: up before kubelet, so the API server's static pod finds its datastore at once. */
export function kineUnit(): string {
  return [
    '[Unit]',
    "Description=kine: the etcd API over SQLite, the API server's datastore (kcluster profile light)",
    'Before=kubelet.service',
    '',
    '[Service]',
    `ExecStartPre=/bin/mkdir -p ${KINE_DATA_DIR}`,
    // The same lean collector as the control plane's Go components.
    'Environment=GOGC=50',
    `ExecStart=${KINE_BINARY} --endpoint=${kineDataSource()} --listen-address=${KINE_LISTEN_ADDRESS} --metrics-bind-address=${KINE_METRICS_ADDRESS}`,
    'Restart=always',
    'RestartSec=1',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n')
}
