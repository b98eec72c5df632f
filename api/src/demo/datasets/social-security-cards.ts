import { column, type TDemoDataset } from '../demo-dataset.ts';
import { DEMO_CITY } from '../regions.ts';

/** A core (分级 4) dataset that is not opened at all: listed in the catalogue, metadata only. */
export const socialSecurityCards: TDemoDataset = {
  provider: 'hrss',
  body: {
    slug: 'social-security-card-holders',
    title: '社会保障卡持卡人基础信息',
    titleEn: 'Social security card holders',
    description: `${DEMO_CITY.name}社会保障卡持卡人的身份与联系信息。属核心数据（四级），涉及公民身份号码等敏感个人信息，依法不予开放，也不纳入授权运营；目录仅公开元数据，以便“一本账”完整可查。`,
    descriptionEn: `Identity and contact details of the social security card holders of ${DEMO_CITY.nameEn}. Core data (class 4) holding national ID numbers and other sensitive personal information: by law neither opened nor licensed. Listed with its metadata only, so the catalogue is complete.`,
    theme: 'social-security',
    tags: ['社会保障卡', 'social security card', '个人信息', 'personal data', '不予开放', 'closed'],
    updateFrequency: 'daily',
    license: '不予开放',
    classification: 4,
    openness: 'closed',
    sharing: 'none',
    sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
    columns: [
      column('card_no', 'string', '社会保障卡卡号', { sensitivity: 'identifier' }),
      column('citizen_id', 'string', '公民身份号码', { sensitivity: 'identifier' }),
      column('name', 'string', '姓名', { sensitivity: 'personal' }),
      column('gender', 'string', '性别', { sensitivity: 'personal', codes: ['男', '女'] }),
      column('birth_date', 'date', '出生日期', { sensitivity: 'personal' }),
      column('phone', 'string', '联系电话', { sensitivity: 'personal', nullable: true }),
      column('address', 'string', '居住地址', { sensitivity: 'personal', nullable: true }),
      column('card_status', 'string', '卡状态：正常、挂失、注销', { codes: ['正常', '挂失', '注销'] }),
      column('issued_date', 'date', '发卡日期'),
    ],
  },
};
