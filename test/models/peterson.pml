bool flag[2];
byte turn;
active [2] proctype P() {
  do
  :: flag[_pid] = 1;
     turn = 1 - _pid;
     (flag[1 - _pid] == 0 || turn == _pid);
     flag[_pid] = 0
  od
}
