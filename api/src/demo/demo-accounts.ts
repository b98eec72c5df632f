import type { TRole } from '../db/schema/index.ts';

/*
 * The demo's organisations and people. The data authority and its admin exist already (created on
 * first start); everyone else is made here. Names are Chinese with the English alongside.
 */

export type TDemoOrgKey =
  | 'eeb'
  | 'hrss'
  | 'amr'
  | 'transport'
  | 'planning'
  | 'operator'
  | 'university'
  | 'oversight';

export type TDemoOrg = { key: TDemoOrgKey; name: string; nameEn: string };
export type TDemoUser = { org: TDemoOrgKey; name: string; login: string; role: Exclude<TRole, 'admin'> };

export const DEMO_ORGS: readonly TDemoOrg[] = [
  { key: 'eeb', name: '市生态环境局', nameEn: 'Municipal Bureau of Ecology and Environment' },
  {
    key: 'hrss',
    name: '市人力资源和社会保障局',
    nameEn: 'Municipal Bureau of Human Resources and Social Security',
  },
  { key: 'amr', name: '市市场监督管理局', nameEn: 'Municipal Administration for Market Regulation' },
  { key: 'transport', name: '市交通运输局', nameEn: 'Municipal Transport Bureau' },
  {
    key: 'planning',
    name: '市规划和自然资源局',
    nameEn: 'Municipal Bureau of Planning and Natural Resources',
  },
  { key: 'operator', name: '某数据科技有限公司', nameEn: 'Demo Data Technology Co., Ltd.' },
  { key: 'university', name: '某大学城市研究院', nameEn: 'University Institute of Urban Studies' },
  {
    key: 'oversight',
    name: '市审计与数据监管办公室',
    nameEn: 'Municipal Office of Audit and Data Oversight',
  },
];

export const DEMO_USERS: readonly TDemoUser[] = [
  { org: 'eeb', name: '王静 (Wang Jing)', login: 'wangjing', role: 'provider' },
  { org: 'hrss', name: '李明 (Li Ming)', login: 'liming', role: 'provider' },
  { org: 'amr', name: '陈晓燕 (Chen Xiaoyan)', login: 'chenxiaoyan', role: 'provider' },
  { org: 'transport', name: '赵磊 (Zhao Lei)', login: 'zhaolei', role: 'provider' },
  { org: 'planning', name: '黄丽 (Huang Li)', login: 'huangli', role: 'provider' },
  { org: 'operator', name: '刘洋 (Liu Yang)', login: 'liuyang', role: 'operator' },
  { org: 'university', name: '周婷 (Zhou Ting)', login: 'zhouting', role: 'researcher' },
  { org: 'oversight', name: '孙伟 (Sun Wei)', login: 'sunwei', role: 'regulator' },
];
